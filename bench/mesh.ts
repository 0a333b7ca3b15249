/**
 * `npm run bench -- mesh`: math.add (inline handler, the dispatcher's validation included) on an
 * Accord mesh node in this process, called by a meshClient in a load process (bench/_mesh-load.ts,
 * the generated MathV1Client, 256 calls in flight over one link), against a bare TCP server
 * answering length-prefixed MessagePack {id, a, b} with {id, sum} (bench/_mesh-raw.ts), once
 * writing each message as it comes and once batching the messages of one event-loop turn into
 * one write each way. All targets in one run; each reports calls/s, p50/p99 under load, the CPU
 * time per call of the load process and of this one (the servers'), and p50/p99 of one call at
 * a time. Ends with `RATIO mesh-unbatched <accord / raw unbatched>` and,
 * last, `RATIO mesh <accord / raw batched>` (the goal is 0.7).
 *
 * Environment: BENCH_SECONDS (per measured round, default 4), BENCH_ROUNDS (default 3),
 * BENCH_INFLIGHT (default 256), BENCH_LATENCY_SECONDS (one call at a time, default 1.5).
 */
import { Dispatcher } from 'accord-rpc/core';
import { meshTransport } from 'accord-rpc/mesh';
import { mathService } from '../examples/handlers/math.js';
import { BENCH_KEY, compareTargets, describeSettings, localMeter, printRatio } from './_mesh-compare.js';
import { rawAddServer } from './_mesh-raw.js';

const unbatched = await rawAddServer(false);
const batched = await rawAddServer(true);
const dispatcher = new Dispatcher({ services: [mathService], nodeId: 'bench-server' });
const node = meshTransport({ port: 0, key: BENCH_KEY });
await node.start(dispatcher);
try {
  process.stdout.write(describeSettings('mesh bench'));
  const server = [localMeter('server')];
  const results = await compareTargets({
    'raw unbatched': { mode: 'raw', port: unbatched.port, meters: server },
    'raw batched': { mode: 'raw-batched', port: batched.port, meters: server },
    'accord mesh': { mode: 'accord', port: node.port!, meters: server },
  });
  printRatio('mesh-unbatched', results, 'accord mesh', 'raw unbatched');
  printRatio('mesh', results, 'accord mesh', 'raw batched');
} finally {
  await node.stop({ graceMs: 1_000 });
  await dispatcher.close();
  unbatched.close();
  batched.close();
}
