/**
 * Load generator for bench/nats.ts, run in its own process: keeps `inflight` add calls in flight
 * for `seconds` (after a 1 s warm-up; bench/_closed-loop.ts), then prints `{calls, seconds, p50, p99}` as JSON.
 * Modes:
 *   raw     nats.js request/reply done the fast way: one shared inbox subscription `<inbox>.*`
 *           dispatched by callback, a Map of pending calls, `noAsyncTraces`, `{"a":..,"b":..}` JSON
 *           (Buffer.from) to the responder's subject, `{"sum":..}` back.
 *   accord  the generated MathV1Client over natsClient (JSON): math.add on accord.math.v1.add.
 * Usage: node --import tsx bench/_nats-load.ts <mode> <nats-url> <seconds> <inflight>
 */
import { connect, createInbox } from '@nats-io/transport-node';
import { natsClient } from 'accord-rpc/nats';
import { MathV1Client } from '../generated/math/client.js';
import { closedLoop } from './_closed-loop.js';

const [mode, url, secondsArg, inflightArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const inflight = Number(inflightArg);

type Add = (a: number, b: number) => Promise<number>;

async function rawAdd(): Promise<{ add: Add; close: () => Promise<void> }> {
  const nc = await connect({ servers: url, noAsyncTraces: true });
  const decoder = new TextDecoder();
  const inbox = `${createInbox()}.`;
  const pending = new Map<string, (sum: number) => void>();
  let next = 0;
  nc.subscribe(`${inbox}*`, {
    callback: (_error, msg) => {
      const id = msg.subject.slice(inbox.length);
      const resolve = pending.get(id)!;
      pending.delete(id);
      resolve((JSON.parse(decoder.decode(msg.data)) as { sum: number }).sum);
    },
  });
  return {
    add: (a, b) => new Promise((resolve) => {
      const id = (next++).toString(36);
      pending.set(id, resolve);
      nc.publish('bench.raw.add', Buffer.from(JSON.stringify({ a, b })), { reply: inbox + id });
    }),
    close: () => nc.close(),
  };
}

async function accordAdd(): Promise<{ add: Add; close: () => Promise<void> }> {
  const transport = natsClient({ servers: url });
  await transport.connect();
  const math = new MathV1Client(transport);
  return { add: async (a, b) => (await math.add({ a, b })).sum, close: () => transport.close() };
}

const { add, close } = mode === 'raw' ? await rawAdd() : await accordAdd();

const result = await closedLoop(async (i) => {
  const sum = await add(i, 1);
  if (sum !== i + 1) throw new Error(`wrong sum ${sum} for ${i} + 1`);
}, inflight, seconds);
await close();
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);
