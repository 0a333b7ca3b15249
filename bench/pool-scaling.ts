/**
 * `npm run bench -- pool-scaling`: CPU-bound calls (math.fib, the slow recursive way) through the
 * Accord pool with 2 worker threads against the same pool with 1 thread. Each measured run keeps
 * 16 calls in flight. Ends with `RATIO pool-scaling <2-thread calls/s / 1-thread calls/s>`
 * (2.0 is perfect scaling; the machine's other load only lowers it).
 *
 * Environment: BENCH_FIB_N (default 27), BENCH_FIB_CALLS (per run, default 400).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createPool, type PoolHandle } from 'accord-rpc/pool';
import { closedLoop, execution, formatLoad, noHooks, type LoadResult } from './_shared-pool.js';
import { pooledMath } from './_pool-handlers.js';

const n = Number(process.env.BENCH_FIB_N ?? 27);
const calls = Number(process.env.BENCH_FIB_CALLS ?? 400);
const out = (line: string) => process.stdout.write(`${line}\n`);

const modules = [fileURLToPath(new URL('./_pool-handlers.ts', import.meta.url))];
const pools: Record<1 | 2, PoolHandle> = { 1: createPool({ modules, threads: 1 }), 2: createPool({ modules, threads: 2 }) };
await Promise.all([pools[1].ready(), pools[2].ready()]);
const fib = (threads: 1 | 2) => {
  const executor = pools[threads].executor(noHooks);
  return () => executor.unary(execution(pooledMath, 'fib', { n }));
};
const run = { 1: fib(1), 2: fib(2) };

// Warm up (JIT in every worker).
await closedLoop(run[1], 40, 16);
await closedLoop(run[2], 40, 16);

/** The same fib calls split over plain worker threads (no pool): what the machine allows right now. */
async function rawCallsPerSecond(threads: number): Promise<number> {
  const code = `const { parentPort, workerData } = require('node:worker_threads');
    const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
    for (let i = 0; i < workerData.calls; i++) fib(workerData.n);
    parentPort.postMessage('done');`;
  const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true, workerData: { n, calls: calls / threads } }));
  const started = performance.now();
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return calls / seconds;
}

const best: Partial<Record<1 | 2, LoadResult>> = {};
const raw: Record<1 | 2, number> = { 1: 0, 2: 0 };
for (let round = 0; round < 2; round++) {
  for (const threads of [1, 2] as const) {
    const result = await closedLoop(run[threads], calls, 16);
    if (!best[threads] || result.perSecond > best[threads]!.perSecond) best[threads] = result;
    raw[threads] = Math.max(raw[threads], await rawCallsPerSecond(threads));
  }
}
await Promise.all([pools[1].close(), pools[2].close()]);

out(`pool-scaling: fib(${n}), ${calls} calls per run, 16 in flight`);
out(formatLoad('accord pool, 1 thread', best[1]!));
out(formatLoad('accord pool, 2 threads', best[2]!));
out(`plain worker_threads in the same run (what the machine allows now): ${Math.round(raw[1])} -> ${Math.round(raw[2])} calls/s, ${(raw[2] / raw[1]).toFixed(2)}x`);
out(`RATIO pool-scaling ${(best[2]!.perSecond / best[1]!.perSecond).toFixed(2)}`);
