/**
 * `npm run bench -- http`: Accord's HTTP transport serving math.add (inline) against a bare
 * fastify route doing the same zod-validated add, both in this process, each loaded in turn by
 * autocannon from a separate process with the same settings. Prints req/s and p50/p99 latency and
 * ends with `RATIO http <accord req/s / fastify+zod req/s>`.
 *
 * Environment: BENCH_SECONDS (per measured round, default 5), BENCH_ROUNDS (alternations, default 4),
 * BENCH_CONNECTIONS (default 64), BENCH_PIPELINING (default 4).
 *
 * Accord runs as deployed: metrics on (call counters and histogram, prom-client's process metrics,
 * GET /metrics), the tracing API on with no SDK registered (a no-op, checked once), the dispatcher
 * on a pino logger. The bench checks at the end that /metrics counted the calls.
 *
 * Also printed: this process's CPU time per request while each server was loaded, which is less
 * sensitive than req/s to other load on a shared machine (the servers share this process; the load
 * generator does not).
 */
import { createLogger, Dispatcher } from 'accord-rpc/core';
import { httpTransport } from 'accord-rpc/http';
import { serverTelemetry } from 'accord-rpc/observability';
import { mathService } from '../examples/handlers/math.js';
import { alternateLoad, formatHttp, startFastifyZodAdd } from './_shared-http-load.js';
import { meanOf } from './_shared-rounds.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const pipelining = Number(process.env.BENCH_PIPELINING ?? 4);
const body = '{"a":2,"b":3}';
const out = (line: string) => process.stdout.write(`${line}\n`);

// The baseline: bare fastify with the same zod validation.
const bare = await startFastifyZodAdd();

// Accord: the dispatcher (input and, unless NODE_ENV=production, output validation) behind the HTTP transport.
const dispatcher = new Dispatcher({ services: [mathService], telemetry: serverTelemetry(), logger: createLogger('warn') });
const accord = httpTransport({ host: '127.0.0.1', port: 0, docs: false });
await accord.start(dispatcher);
const accordUrl = `${accord.url}/rpc/math/add`;

// Sanity: both answer the same.
for (const url of [bare.url, accordUrl]) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = await res.json();
  if (res.status !== 200 || answer.sum !== 5) throw new Error(`${url} answered ${res.status} ${JSON.stringify(answer)}`);
}

out(`http bench: ${connections} connections, pipelining ${pipelining}, ${rounds} x ${seconds} s each (after 3 s warm-up each), NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}`);
const results = await alternateLoad(
  { 'fastify+zod': bare.url, 'accord http': accordUrl },
  { connections, pipelining, body, seconds, rounds, warmupSeconds: 3 },
  (label, r) => out(formatHttp(label, r)),
);
const f = meanOf(results['fastify+zod']);
const a = meanOf(results['accord http']);
out(formatHttp('fastify+zod', f));
out(formatHttp('accord http', a));

const scraped = await (await fetch(`${accord.url}/metrics`)).text();
const counted = /^rpc_server_calls_total\{[^}]*rpc_method="add"[^}]*accord_transport="http"[^}]*rpc_response_status_code="OK"[^}]*\} (\d+)/m.exec(scraped);
if (!counted || Number(counted[1]) < 1000) throw new Error(`/metrics did not count the calls:\n${scraped.slice(0, 2000)}`);
out(`metrics: rpc_server_calls_total{rpc_method="add",accord_transport="http",rpc_response_status_code="OK"} ${counted[1]}`);

await accord.stop({ graceMs: 1_000 });
await dispatcher.close();
await bare.close();
out(`cpu per request: accord/fastify+zod ${(a.cpuUs / f.cpuUs).toFixed(3)} (the req/s ratio if CPU-bound: ${(f.cpuUs / a.cpuUs).toFixed(3)})`);
out(`RATIO http ${(a.rps / f.rps).toFixed(3)}`);
