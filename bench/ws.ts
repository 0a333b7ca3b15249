/**
 * `npm run bench -- ws`: Accord's WebSocket transport serving math.add (inline handler, the
 * dispatcher's validation included) against two bare `ws` baselines answering {id, method, params}
 * with {id, result}: one message per call each way, and the same with the messages of one
 * event-loop turn batched into one JSON array each way (what Accord's session layer does). All
 * servers run in this process; each is loaded in turn from a separate process (bench/_ws-load.ts)
 * keeping 256 calls in flight over one connection, JSON everywhere (Accord's client: the generated
 * MathV1Client over wsClient). Prints calls/s and p50/p99 latency and ends with
 * `RATIO ws <accord / raw unbatched>` and `RATIO ws-batched <accord / raw batched>`.
 *
 * Environment: BENCH_SECONDS (per measured round, default 5), BENCH_ROUNDS (alternations, default 3),
 * BENCH_INFLIGHT (default 256), BENCH_CODEC (Accord's codec: json (default) or msgpack).
 */
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { mathService } from '../examples/handlers/math.js';
import { Dispatcher } from 'accord-rpc/core';
import { wsTransport } from 'accord-rpc/ws';
import { childOutput } from './_child-output.js';
import { alternateRounds, meanOf } from './_shared-rounds.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const inflight = Number(process.env.BENCH_INFLIGHT ?? 256);
const codec = process.env.BENCH_CODEC === 'msgpack' ? 'msgpack' : 'json';
const loader = fileURLToPath(new URL('./_ws-load.ts', import.meta.url));

type Result = {
  rate: number;
  p50: number;
  p99: number;
};

async function load(mode: 'raw' | 'raw-batched' | 'accord', url: string): Promise<Result> {
  const out = await childOutput(['--import', 'tsx', loader, mode, url, String(seconds), String(inflight), codec], 'load generator');
  const r = JSON.parse(out.trim().split('\n').pop()!) as { calls: number; seconds: number; p50: number; p99: number };
  return { rate: r.calls / r.seconds, p50: r.p50, p99: r.p99 };
}

// The baseline: a bare ws server, one JSON message per call each way.
const raw = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
await new Promise((r) => raw.once('listening', r));
raw.on('connection', (socket) => {
  socket.on('message', (data) => {
    const { id, params } = JSON.parse(data.toString()) as { id: number; method: string; params: { a: number; b: number } };
    socket.send(JSON.stringify({ id, result: { sum: params.a + params.b } }));
  });
});
const rawUrl = `ws://127.0.0.1:${(raw.address() as { port: number }).port}`;

// The batched baseline: replies of one turn leave as one JSON array (requests arrive as arrays too).
const batched = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
await new Promise((r) => batched.once('listening', r));
batched.on('connection', (socket) => {
  let replies: string[] = [];
  const flush = () => {
    socket.send(`[${replies.join(',')}]`);
    replies = [];
  };
  socket.on('message', (data) => {
    const requests = JSON.parse(data.toString()) as Array<{ id: number; params: { a: number; b: number } }>;
    if (replies.length === 0) setImmediate(flush);
    for (const { id, params } of requests) replies.push(JSON.stringify({ id, result: { sum: params.a + params.b } }));
  });
});
const batchedUrl = `ws://127.0.0.1:${(batched.address() as { port: number }).port}`;

// Accord: the dispatcher (input and, unless NODE_ENV=production, output validation) behind the WS transport.
const dispatcher = new Dispatcher({ services: [mathService] });
const accord = wsTransport({ port: 0 });
await accord.start(dispatcher);
const accordUrl = accord.url!;

const print = (label: string, r: Result) =>
  process.stdout.write(`${label.padEnd(14)} ${Math.round(r.rate).toString().padStart(7)} calls/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms\n`);

process.stdout.write(`ws bench: ${inflight} calls in flight on one connection, ${rounds} x ${seconds} s each (after 1 s warm-up), accord codec ${codec}, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}\n`);
const targets = { 'raw ws': { mode: 'raw', url: rawUrl }, 'raw batched': { mode: 'raw-batched', url: batchedUrl }, 'accord ws': { mode: 'accord', url: accordUrl } } as const;
const results = await alternateRounds(Object.keys(targets), rounds, (name) => {
  const target = targets[name as keyof typeof targets];
  return load(target.mode, target.url);
}, print);
const r = meanOf(results['raw ws']);
const b = meanOf(results['raw batched']);
const a = meanOf(results['accord ws']);
print('raw ws', r);
print('raw batched', b);
print('accord ws', a);

await accord.stop({ graceMs: 1_000 });
await dispatcher.close();
raw.close();
batched.close();
process.stdout.write(`RATIO ws ${(a.rate / r.rate).toFixed(3)}\n`);
process.stdout.write(`RATIO ws-batched ${(a.rate / b.rate).toFixed(3)}\n`);
