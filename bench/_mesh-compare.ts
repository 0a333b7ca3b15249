/**
 * Runs the mesh benchmarks' targets: each round loads every target once from its own process
 * (bench/_mesh-load.ts), alternating the order (bench/_shared-rounds.ts); prints each result and
 * the means, and returns the mean calls/s by target name.
 */
import { fileURLToPath } from 'node:url';
import { childOutput } from './_child-output.js';
import type { LoadResult } from './_mesh-measure.js';
import { alternateRounds, meanOf } from './_shared-rounds.js';

export const BENCH_KEY = 'bench-mesh-key-0123456789';

export const settings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 5),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  inflight: Number(process.env.BENCH_INFLIGHT ?? 256),
};

const loader = fileURLToPath(new URL('./_mesh-load.ts', import.meta.url));
type Summary = { rate: number; p50: number; p99: number };

/** `targets`: name → [load mode ('raw' | 'raw-batched' | 'accord'), port]. */
export async function compareTargets(targets: Record<string, readonly [string, number]>): Promise<Record<string, number>> {
  const width = Math.max(...Object.keys(targets).map((n) => n.length)) + 4;
  const show = (label: string, s: Summary) =>
    process.stdout.write(`${label.padEnd(width)} ${Math.round(s.rate).toString().padStart(7)} calls/s   p50 ${s.p50.toFixed(2)} ms   p99 ${s.p99.toFixed(2)} ms\n`);
  const measure = async (name: string): Promise<Summary> => {
    const [mode, port] = targets[name]!;
    const args = ['--import', 'tsx', loader, mode, String(port), String(settings.seconds), String(settings.inflight), BENCH_KEY];
    const result = JSON.parse((await childOutput(args, 'load generator')).trim().split('\n').pop()!) as LoadResult;
    return { rate: result.calls / result.seconds, p50: result.p50, p99: result.p99 };
  };
  const results = await alternateRounds(Object.keys(targets), settings.rounds, measure, show);
  const rates: Record<string, number> = {};
  for (const name of Object.keys(targets)) {
    const mean = meanOf(results[name]!);
    show(name, mean);
    rates[name] = mean.rate;
  }
  return rates;
}
