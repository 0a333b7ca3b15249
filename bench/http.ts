/**
 * `npm run bench -- http`: Accord's HTTP transport serving math.add (inline) against a bare
 * fastify route doing the same zod-validated add, both in this process, each loaded in turn by
 * autocannon from a separate process with the same settings. Prints req/s and p50/p99 latency and
 * ends with `RATIO http <accord req/s / fastify+zod req/s>`.
 *
 * Environment: BENCH_SECONDS (per measured round, default 5), BENCH_ROUNDS (alternations, default 4),
 * BENCH_CONNECTIONS (default 64), BENCH_PIPELINING (default 4).
 *
 * Also printed: this process's CPU time per request while each server was loaded, which is less
 * sensitive than req/s to other load on a shared machine (the servers share this process; the load
 * generator does not).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Fastify from 'fastify';
import { z } from 'zod';
import { Dispatcher } from '../runtime/core/index.js';
import { httpTransport } from '../runtime/transports/http/index.js';
import { mathService } from '../examples/handlers/math.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const pipelining = Number(process.env.BENCH_PIPELINING ?? 4);
const warmupSeconds = 3;

const require = createRequire(import.meta.url);
const autocannonBin = join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

interface Result {
  rps: number;
  /** CPU time of this (server) process per request, µs. */
  cpuUs: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Runs autocannon in a child process against `url` and returns its summary. */
function load(url: string, duration: number): Promise<Result> {
  const cpuBefore = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      autocannonBin, '--json', '-c', String(connections), '-p', String(pipelining), '-d', String(duration),
      '-m', 'POST', '-H', 'content-type=application/json', '-b', '{"a":2,"b":3}', url,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      const r = JSON.parse(out);
      const cpu = process.cpuUsage(cpuBefore);
      resolve({ rps: r.requests.average, cpuUs: (cpu.user + cpu.system) / Math.max(1, r.requests.total), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx });
    });
  });
}

// The baseline: bare fastify with the same zod validation.
const AddInput = z.object({ a: z.number(), b: z.number() });
const bare = Fastify({ logger: false });
bare.post('/add', async (req) => {
  const { a, b } = AddInput.parse(req.body);
  return { sum: a + b };
});
await bare.listen({ host: '127.0.0.1', port: 0 });
const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/add`;

// Accord: the dispatcher (input and, unless NODE_ENV=production, output validation) behind the HTTP transport.
const dispatcher = new Dispatcher({ services: [mathService] });
const accord = httpTransport({ host: '127.0.0.1', port: 0, docs: false });
await accord.start(dispatcher);
const accordUrl = `${accord.url}/rpc/math/add`;

// Sanity: both answer the same.
for (const url of [bareUrl, accordUrl]) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":2,"b":3}' });
  const body = await res.json();
  if (res.status !== 200 || body.sum !== 5) throw new Error(`${url} answered ${res.status} ${JSON.stringify(body)}`);
}

const print = (label: string, r: Result) =>
  process.stdout.write(`${label.padEnd(16)} ${Math.round(r.rps).toString().padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms   cpu ${r.cpuUs.toFixed(1)} µs/req${r.errors || r.non2xx ? `   errors ${r.errors} non-2xx ${r.non2xx}` : ''}\n`);

process.stdout.write(`http bench: ${connections} connections, pipelining ${pipelining}, ${rounds} x ${seconds} s each (after ${warmupSeconds} s warm-up each), NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}\n`);
await load(bareUrl, warmupSeconds);
await load(accordUrl, warmupSeconds);

const results: Record<'fastify' | 'accord', Result[]> = { fastify: [], accord: [] };
for (let round = 0; round < rounds; round++) {
  // Alternate the order so drift (thermal, other load on the machine) hits both alike.
  const order: Array<'fastify' | 'accord'> = round % 2 === 0 ? ['fastify', 'accord'] : ['accord', 'fastify'];
  for (const which of order) {
    const r = await load(which === 'fastify' ? bareUrl : accordUrl, seconds);
    results[which].push(r);
    print(`${which} #${round + 1}`, r);
  }
}

const mean = (rs: Result[]): Result => ({
  rps: rs.reduce((s, r) => s + r.rps, 0) / rs.length,
  cpuUs: rs.reduce((s, r) => s + r.cpuUs, 0) / rs.length,
  p50: rs.reduce((s, r) => s + r.p50, 0) / rs.length,
  p99: rs.reduce((s, r) => s + r.p99, 0) / rs.length,
  errors: rs.reduce((s, r) => s + r.errors, 0),
  non2xx: rs.reduce((s, r) => s + r.non2xx, 0),
});
const f = mean(results.fastify);
const a = mean(results.accord);
print('fastify+zod', f);
print('accord http', a);

await accord.stop({ graceMs: 1_000 });
await dispatcher.close();
await bare.close();
process.stdout.write(`cpu per request: accord/fastify+zod ${(a.cpuUs / f.cpuUs).toFixed(3)} (the req/s ratio if CPU-bound: ${(f.cpuUs / a.cpuUs).toFixed(3)})\n`);
process.stdout.write(`RATIO http ${(a.rps / f.rps).toFixed(3)}\n`);
