/**
 * `npm run bench -- http-pool`: like `http`, but Accord's math.add runs in the worker pool (2
 * threads) instead of inline: bare fastify with the same zod-validated add (baseline, in this
 * process) against Accord's HTTP transport + dispatcher + pool, each loaded in turn by autocannon
 * from a separate process. Ends with `RATIO http-pool <accord req/s / fastify+zod req/s>`.
 *
 * Environment: BENCH_SECONDS (per measured round, default 6), BENCH_ROUNDS (default 3),
 * BENCH_CONNECTIONS (default 64), BENCH_PIPELINING (default 4).
 */
import { fileURLToPath } from 'node:url';
import { Dispatcher } from 'accord-rpc/core';
import { createPool } from 'accord-rpc/pool';
import { httpTransport } from 'accord-rpc/http';
import { pooledMathService } from './_pool-handlers.js';
import { alternateLoad, formatHttp, startFastifyZodAdd } from './_shared-http-load.js';
import { meanOf } from './_shared-rounds.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const pipelining = Number(process.env.BENCH_PIPELINING ?? 4);
const body = '{"a":2,"b":3}';
const out = (line: string) => process.stdout.write(`${line}\n`);

// The baseline: bare fastify with the same zod validation, on this thread.
const bare = await startFastifyZodAdd();
const bareUrl = bare.url;

// Accord: HTTP transport, dispatcher (validation), and math.add in a pool worker.
const threads = Number(process.env.BENCH_POOL_THREADS ?? 2);
const pool = createPool({ modules: [fileURLToPath(new URL('./_pool-handlers.ts', import.meta.url))], threads });
await pool.ready();
const dispatcher = new Dispatcher({ services: [pooledMathService], pool: pool.executor });
const accord = httpTransport({ host: '127.0.0.1', port: 0, docs: false });
await accord.start(dispatcher);
const accordUrl = `${accord.url}/rpc/math/add`;

for (const url of [bareUrl, accordUrl]) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = await res.json();
  if (res.status !== 200 || answer.sum !== 5) throw new Error(`${url} answered ${res.status} ${JSON.stringify(answer)}`);
}

out(`http-pool bench: ${connections} connections, pipelining ${pipelining}, ${rounds} x ${seconds} s each, math.add in a ${threads}-thread pool, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}`);
const results = await alternateLoad(
  { 'fastify+zod': bareUrl, 'accord http+pool': accordUrl },
  { connections, pipelining, body, seconds, rounds, warmupSeconds: 3 },
  (label, r) => out(formatHttp(label, r)),
);
const f = meanOf(results['fastify+zod']);
const a = meanOf(results['accord http+pool']);
out(formatHttp('fastify+zod', f));
out(formatHttp('accord http+pool', a));

await accord.stop({ graceMs: 1_000 });
await dispatcher.close();
await bare.close();
out(`RATIO http-pool ${(a.rps / f.rps).toFixed(3)}`);
