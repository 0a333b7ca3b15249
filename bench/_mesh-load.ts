/**
 * Load generator of the mesh benchmarks, run in its own process: keeps `inflight` math.add calls in
 * flight for `seconds` (throughput, p50/p99), then one call at a time for `latencySeconds` (the
 * latency of a lone call), and prints `{ calls, seconds, p50, p99, cpuMs, single: { p50, p99 } }` as
 * JSON, `cpuMs` being this process's CPU time over the loaded window. It prints `WINDOW open` and
 * `WINDOW closed` as that window opens and closes, so the parent can measure the server's CPU too.
 * Modes: `raw` (bare TCP, one length-prefixed MessagePack message per call), `raw-batched` (the
 * calls of one turn as one array), `accord` (the generated MathV1Client over a meshClient that
 * dials only the given port; through a forwarding node when that is what listens there).
 * Usage: node --import tsx bench/_mesh-load.ts <mode> <port> <seconds> <inflight> <latencySeconds> <key>
 */
import { connect } from 'node:net';
import { msgpackCodec } from 'accord-rpc/core';
import { lengthPrefixed, LengthPrefixReader } from 'accord-rpc/link';
import { meshClient } from 'accord-rpc/mesh';
import { MathV1Client } from '../generated/math/client.js';
import { closedLoop } from './_closed-loop.js';

const [mode, portArg, secondsArg, inflightArg, latencyArg, key] = process.argv.slice(2);
const port = Number(portArg);

type Add = (a: number, b: number) => Promise<number>;

async function rawAdd(batched: boolean): Promise<{ add: Add; close: () => void }> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  const reader = new LengthPrefixReader();
  const pending = new Map<number, (sum: number) => void>();
  let nextId = 1;
  socket.on('data', (chunk: Buffer) => {
    for (const message of reader.push(chunk)) {
      const replies = msgpackCodec.decode(message) as { id: number; sum: number } | Array<{ id: number; sum: number }>;
      for (const { id, sum } of Array.isArray(replies) ? replies : [replies]) {
        const resolve = pending.get(id)!;
        pending.delete(id);
        resolve(sum);
      }
    }
  });
  let queued: Array<{ id: number; a: number; b: number }> = [];
  const flush = () => {
    socket.write(lengthPrefixed(msgpackCodec.encode(queued)));
    queued = [];
  };
  return {
    add: (a, b) => new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      if (!batched) return void socket.write(lengthPrefixed(msgpackCodec.encode({ id, a, b })));
      if (queued.length === 0) setImmediate(flush);
      queued.push({ id, a, b });
    }),
    close: () => socket.destroy(),
  };
}

async function accordAdd(): Promise<{ add: Add; close: () => void }> {
  const transport = meshClient({ key: key!, seeds: [`127.0.0.1:${port}`], dialDiscovered: false });
  await transport.ready('math', 1);
  const math = new MathV1Client(transport);
  return { add: async (a, b) => (await math.add({ a, b })).sum, close: () => void transport.close() };
}

const { add, close } = mode === 'accord' ? await accordAdd() : await rawAdd(mode === 'raw-batched');
const checkedAdd = async (i: number) => {
  const sum = await add(i, 1);
  if (sum !== i + 1) throw new Error(`wrong sum ${sum} for ${i} + 1`);
};
let cpuAtOpen = process.cpuUsage();
let cpuMs = 0;
const loaded = await closedLoop(checkedAdd, Number(inflightArg), Number(secondsArg), 1_000, {
  opened: () => {
    process.stdout.write('WINDOW open\n');
    cpuAtOpen = process.cpuUsage();
  },
  closed: () => {
    const used = process.cpuUsage(cpuAtOpen);
    cpuMs = (used.user + used.system) / 1000;
    process.stdout.write('WINDOW closed\n');
  },
});
const single = await closedLoop(checkedAdd, 1, Number(latencyArg), 300);
close();
process.stdout.write(JSON.stringify({ ...loaded, cpuMs, single: { p50: single.p50, p99: single.p99 } }) + '\n');
process.exit(0);
