/**
 * `npm run bench -- nats`: Accord's math.add over NATS (natsTransport + the dispatcher's input and,
 * unless NODE_ENV=production, output validation; the generated client over natsClient) against
 * raw nats.js request/reply done the fast way (one shared inbox subscription with callbacks,
 * `noAsyncTraces`, a responder that parses the same JSON and answers the sum). One nats-server
 * (Debian's, on a free port), both responders in this process on their own connections, each
 * loaded in turn from a separate process (bench/_nats-load.ts): 256 calls in flight for calls/s
 * and p50/p99, then 1 in flight for latency. Ends with `RATIO nats <accord calls/s / raw calls/s>`
 * (at 256 in flight). Also printed: this process's CPU time per call while each was loaded.
 *
 * Environment: BENCH_SECONDS (per measured round, default 5), BENCH_ROUNDS (alternations, default 3),
 * BENCH_INFLIGHT (default 256).
 */
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { Dispatcher } from 'accord-rpc/core';
import { natsTransport } from 'accord-rpc/nats';
import { mathService } from '../examples/handlers/math.js';
import { startNatsServer } from '../test/support/nats-server.js';
import { childOutput } from './_child-output.js';
import { alternateRounds, meanOf } from './_shared-rounds.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const inflight = Number(process.env.BENCH_INFLIGHT ?? 256);
const loader = fileURLToPath(new URL('./_nats-load.ts', import.meta.url));

type Result = { rate: number; p50: number; p99: number; cpuUs: number };

const nats = await startNatsServer();
try {
  // The baseline responder: a queue subscription with a callback, JSON in and out (Buffer.from:
  // cheaper than TextEncoder in Node, and what Accord's NATS transport uses too).
  const rawConnection = await connect({ servers: nats.url, noAsyncTraces: true });
  const decoder = new TextDecoder();
  rawConnection.subscribe('bench.raw.add', {
    queue: 'q',
    callback: (_error, msg) => {
      const { a, b } = JSON.parse(decoder.decode(msg.data)) as { a: number; b: number };
      msg.respond(Buffer.from(JSON.stringify({ sum: a + b })));
    },
  });
  await rawConnection.flush();

  const dispatcher = new Dispatcher({ services: [mathService] });
  const accord = natsTransport({ servers: nats.url });
  await accord.start(dispatcher);

  async function load(mode: 'raw' | 'accord', calls: number): Promise<Result> {
    const cpu = process.cpuUsage();
    const out = await childOutput(['--import', 'tsx', loader, mode, nats.url, String(seconds), String(calls)], 'load generator');
    const used = process.cpuUsage(cpu);
    const r = JSON.parse(out.trim().split('\n').pop()!) as { calls: number; seconds: number; p50: number; p99: number };
    // CPU over warm-up and measurement alike; the warm-up's calls are estimated at the measured rate.
    const total = r.calls * ((r.seconds + 1) / r.seconds);
    return { rate: r.calls / r.seconds, p50: r.p50, p99: r.p99, cpuUs: (used.user + used.system) / total };
  }

  const print = (label: string, r: Result) => process.stdout.write(
    `${label.padEnd(22)} ${Math.round(r.rate).toString().padStart(7)} calls/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   server CPU ${r.cpuUs.toFixed(1)} µs/call\n`,
  );

  process.stdout.write(`nats bench: nats-server ${nats.url}, ${rounds} x ${seconds} s per target and load (after 1 s warm-up), JSON both sides, NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}\n`);
  const targets = ['raw nats.js', 'accord nats'] as const;
  const modeOf = (name: string) => (name === 'raw nats.js' ? 'raw' : 'accord');

  process.stdout.write(`-- ${inflight} calls in flight\n`);
  const many = await alternateRounds(targets, rounds, (name) => load(modeOf(name), inflight), print);
  process.stdout.write('-- 1 call in flight (latency)\n');
  const one = await alternateRounds(targets, Math.max(1, rounds - 1), (name) => load(modeOf(name), 1), print);

  process.stdout.write('-- means\n');
  const raw = meanOf(many['raw nats.js']);
  const acc = meanOf(many['accord nats']);
  print(`raw nats.js x${inflight}`, raw);
  print(`accord nats x${inflight}`, acc);
  print('raw nats.js x1', meanOf(one['raw nats.js']));
  print('accord nats x1', meanOf(one['accord nats']));

  await accord.stop({ graceMs: 1_000 });
  await dispatcher.close();
  await rawConnection.close();
  process.stdout.write(`RATIO nats ${(acc.rate / raw.rate).toFixed(3)}\n`);
} finally {
  await nats.stop();
}
