/**
 * Load generator for bench/ws.ts, run in its own process: keeps `inflight` math.add calls in
 * flight over one WebSocket for `seconds`, then prints `{calls, seconds, p50, p99}` as JSON.
 * Modes: `raw` (a bare `ws` client speaking {id, method, params} → {id, result}, one message per
 * call), `raw-batched` (the same, with the calls of one turn sent as one JSON array, replies
 * arriving as arrays) and `accord` (the generated MathV1Client over wsClient). Usage: node --import tsx bench/_ws-load.ts <mode> <url> <seconds> <inflight> [codec]
 */
import { WebSocket } from 'ws';
import { MathV1Client } from '../generated/math/client.js';
import { wsClient } from 'accord-rpc/ws';
import { closedLoop } from './_closed-loop.js';

const [mode, url, secondsArg, inflightArg, codecArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const inflight = Number(inflightArg);
const codec = codecArg === 'msgpack' ? 'msgpack' : 'json';

type Add = (a: number, b: number) => Promise<number>;

async function rawAdd(batch: boolean): Promise<{ add: Add; close: () => void }> {
  const socket = new WebSocket(url!, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const pending = new Map<number, (sum: number) => void>();
  let nextId = 1;
  const settle = ({ id, result }: { id: number; result: { sum: number } }) => {
    const resolve = pending.get(id)!;
    pending.delete(id);
    resolve(result.sum);
  };
  socket.on('message', (data) => {
    const parsed = JSON.parse(data.toString()) as { id: number; result: { sum: number } } | Array<{ id: number; result: { sum: number } }>;
    if (Array.isArray(parsed)) parsed.forEach(settle);
    else settle(parsed);
  });
  let queued: string[] = [];
  const flush = () => {
    socket.send(`[${queued.join(',')}]`);
    queued = [];
  };
  const send = (message: string) => {
    if (!batch) return socket.send(message);
    if (queued.length === 0) setImmediate(flush);
    queued.push(message);
  };
  return {
    add: (a, b) => new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      send(JSON.stringify({ id, method: 'add', params: { a, b } }));
    }),
    close: () => socket.close(),
  };
}

async function accordAdd(): Promise<{ add: Add; close: () => void }> {
  const transport = wsClient({ url: url!, codec });
  const math = new MathV1Client(transport);
  await transport.connect();
  return { add: async (a, b) => (await math.add({ a, b })).sum, close: () => void transport.close() };
}

const { add, close } = mode === 'accord' ? await accordAdd() : await rawAdd(mode === 'raw-batched');

const result = await closedLoop(async (i) => {
  const sum = await add(i, 1);
  if (sum !== i + 1) throw new Error(`wrong sum ${sum} for ${i} + 1`);
}, inflight, seconds);
close();
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);
