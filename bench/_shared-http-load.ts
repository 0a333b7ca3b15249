/**
 * HTTP load generation shared by benchmarks: autocannon in a separate process (so the load
 * generator does not steal the server's event loop), alternating rounds between targets so drift
 * on a shared machine hits them alike, and the mean of each target's rounds.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Fastify from 'fastify';
import { z } from 'zod';
import { childOutput } from './_child-output.js';
import { alternateRounds } from './_shared-rounds.js';

export interface HttpLoadOptions {
  connections: number;
  pipelining: number;
  /** JSON body POSTed on every request. */
  body: string;
}

export type HttpLoadResult = {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU time of this (server) process per request, µs: steadier than req/s on a shared machine. */
  cpuUs: number;
};

const require = createRequire(import.meta.url);
const autocannonBin = join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

/** Runs autocannon in a child process against `url` for `seconds` and returns its summary. */
export async function autocannon(url: string, seconds: number, options: HttpLoadOptions): Promise<HttpLoadResult> {
  const cpuBefore = process.cpuUsage();
  const out = await childOutput([
    autocannonBin, '--json', '-c', String(options.connections), '-p', String(options.pipelining), '-d', String(seconds),
    '-m', 'POST', '-H', 'content-type=application/json', '-b', options.body, url,
  ], 'autocannon');
  const r = JSON.parse(out);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuUs = (cpu.user + cpu.system) / Math.max(1, r.requests.total);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, cpuUs };
}

/** Warms every target up, then runs `rounds` alternating rounds; returns the results per target name. */
export async function alternateLoad(
  targets: Record<string, string>,
  options: HttpLoadOptions & { seconds: number; rounds: number; warmupSeconds: number },
  print: (label: string, r: HttpLoadResult) => void,
): Promise<Record<string, HttpLoadResult[]>> {
  const names = Object.keys(targets);
  for (const name of names) await autocannon(targets[name], options.warmupSeconds, options);
  return alternateRounds(names, options.rounds, (name) => autocannon(targets[name], options.seconds, options), print);
}

export function formatHttp(label: string, r: HttpLoadResult): string {
  return `${label.padEnd(20)} ${Math.round(r.rps).toString().padStart(7)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   cpu ${r.cpuUs.toFixed(1)} µs/req${r.errors || r.non2xx ? `   errors ${Math.round(r.errors)} non-2xx ${Math.round(r.non2xx)}` : ''}`;
}

/** The baseline server: bare fastify with a zod-validated `add` at POST /add, on this thread. */
export async function startFastifyZodAdd(): Promise<{ url: string; close(): Promise<void> }> {
  const AddInput = z.object({ a: z.number(), b: z.number() });
  const app = Fastify({ logger: false });
  app.post('/add', async (req) => {
    const { a, b } = AddInput.parse(req.body);
    return { sum: a + b };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}/add`, close: () => app.close() };
}
