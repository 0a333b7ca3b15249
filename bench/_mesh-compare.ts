/**
 * Runs the mesh benchmarks' targets: each round loads every target once from its own process
 * (bench/_mesh-load.ts), alternating the order (bench/_shared-rounds.ts); prints each result and
 * the means, and returns the means by target name. A result is calls/s and p50/p99 with
 * `inflight` calls in flight, the CPU time per call of every process involved over the same
 * window (the load process, the server, a forwarding node), and p50/p99 of one call at a time.
 * On a shared machine calls/s swing with other load; CPU per call is the steadier comparison.
 *
 * Profiling: BENCH_CPU_PROF_DIR=<dir> makes every process a bench starts write a CPU profile there
 * (run the bench itself with `node --cpu-prof` for the server's); BENCH_ONLY=<text> loads only
 * the targets whose name contains it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './_closed-loop.js';
import { alternateRounds, meanOf } from './_shared-rounds.js';

export const BENCH_KEY = 'bench-mesh-key-0123456789';

export const settings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 4),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  inflight: Number(process.env.BENCH_INFLIGHT ?? 256),
  /** Seconds of one-call-at-a-time latency per round. */
  latencySeconds: Number(process.env.BENCH_LATENCY_SECONDS ?? 1.5),
};

/** CPU time one process spends over a measured window. */
export interface CpuMeter {
  readonly name: string;
  open(): void;
  /** Milliseconds of CPU since `open()`. */
  close(): Promise<number>;
}

/** This process (where the benches run their servers). */
export function localMeter(name: string): CpuMeter {
  let opened = process.cpuUsage();
  return {
    name,
    open: () => void (opened = process.cpuUsage()),
    close: async () => {
      const used = process.cpuUsage(opened);
      return (used.user + used.system) / 1000;
    },
  };
}

/** A helper process that answers `open` / `close` lines on its stdin with `CPU <ms>` on its stdout (bench/_mesh-forwarder.ts). */
export function childMeter(name: string, child: ChildProcess): CpuMeter {
  let waiting: ((ms: number) => void) | undefined;
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const match = /CPU ([\d.]+)\n/.exec(out);
    if (!match) return;
    out = out.slice(match.index + match[0].length);
    waiting?.(Number(match[1]));
    waiting = undefined;
  });
  return {
    name,
    open: () => void child.stdin!.write('open\n'),
    close: () => new Promise((resolve) => {
      waiting = resolve;
      child.stdin!.write('close\n');
    }),
  };
}

export interface Target {
  /** Load mode of bench/_mesh-load.ts: 'raw' | 'raw-batched' | 'accord'. */
  mode: string;
  port: number;
  /** The processes besides the load process whose CPU per call is reported. */
  meters: CpuMeter[];
}

/** How one target did: `rate`, `p50`, `p99` under load, `single*` one call at a time, `cpu <name>` µs per call. */
export type TargetResult = Record<string, number>;

/** Node flags for the processes a mesh bench starts: a CPU profile each when BENCH_CPU_PROF_DIR is set. */
export function profileFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export function describeSettings(what: string): string {
  const { inflight, rounds, seconds, latencySeconds } = settings;
  return `${what}: ${inflight} calls in flight over one TCP connection for ${seconds} s, then 1 in flight for ${latencySeconds} s; ` +
    `${rounds} rounds alternating the order; NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`;
}

const loader = fileURLToPath(new URL('./_mesh-load.ts', import.meta.url));

type LoaderOutput = LoadResult & { cpuMs: number; single: { p50: number; p99: number } };

/** Runs one load process; the meters measure across its WINDOW marks. */
async function load(target: Target): Promise<{ output: LoaderOutput; cpuMs: number[] }> {
  const { inflight, seconds, latencySeconds } = settings;
  const args = ['--conditions=accord-source', ...profileFlags(), '--import', 'tsx', loader, target.mode, String(target.port), String(seconds), String(inflight), String(latencySeconds), BENCH_KEY];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let opened = false;
  let closed: Promise<number[]> | undefined;
  child.stdout.on('data', (d: Buffer) => {
    const seen = out.length;
    out += d.toString();
    const fresh = out.slice(Math.max(0, seen - 16));
    if (!opened && fresh.includes('WINDOW open')) {
      opened = true;
      for (const meter of target.meters) meter.open();
    }
    if (opened && !closed && fresh.includes('WINDOW closed')) closed = Promise.all(target.meters.map((meter) => meter.close()));
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`the load generator exited ${code}: ${err}`);
  return { output: JSON.parse(out.trim().split('\n').pop()!) as LoaderOutput, cpuMs: await (closed ?? Promise.resolve(target.meters.map(() => 0))) };
}

function show(width: number, label: string, r: TargetResult): void {
  const cpu = Object.keys(r).filter((k) => k.startsWith('cpu ')).map((k) => `${k.slice(4)} ${r[k]!.toFixed(1)}`).join(', ');
  process.stdout.write(`${label.padEnd(width)} ${Math.round(r.rate!).toString().padStart(7)} calls/s   p50 ${r.p50!.toFixed(2)} ms   p99 ${r.p99!.toFixed(2)} ms   ` +
    `cpu/call µs: ${cpu}   | 1 in flight: p50 ${(r.singleP50! * 1000).toFixed(0)} µs   p99 ${(r.singleP99! * 1000).toFixed(0)} µs\n`);
}

export async function compareTargets(targets: Record<string, Target>): Promise<Record<string, TargetResult>> {
  const names = Object.keys(targets).filter((name) => name.includes(process.env.BENCH_ONLY ?? ''));
  const width = Math.max(...names.map((n) => n.length)) + 4;
  const measure = async (name: string): Promise<TargetResult> => {
    const target = targets[name]!;
    const { output, cpuMs } = await load(target);
    const perCall = (ms: number) => (1000 * ms) / Math.max(1, output.calls);
    const result: TargetResult = { rate: output.calls / output.seconds, p50: output.p50, p99: output.p99, singleP50: output.single.p50, singleP99: output.single.p99, 'cpu load': perCall(output.cpuMs) };
    target.meters.forEach((meter, i) => (result[`cpu ${meter.name}`] = perCall(cpuMs[i]!)));
    return result;
  };
  const results = await alternateRounds(names, settings.rounds, measure, (label, r) => show(width, label, r));
  process.stdout.write('mean of the rounds:\n');
  const means: Record<string, TargetResult> = {};
  for (const name of names) {
    means[name] = meanOf(results[name]!);
    show(width, name, means[name]);
  }
  return means;
}

/** Prints `RATIO <name> <a / b>` (skipped when BENCH_ONLY left either target out). */
export function printRatio(name: string, results: Record<string, TargetResult>, numerator: string, denominator: string): void {
  const a = results[numerator]?.rate;
  const b = results[denominator]?.rate;
  if (a !== undefined && b !== undefined) process.stdout.write(`RATIO ${name} ${(a / b).toFixed(3)}\n`);
}
