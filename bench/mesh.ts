/**
 * `npm run bench -- mesh`: math.add (inline handler, the dispatcher's validation included) on an
 * Accord mesh node, called by a meshClient in another process (bench/_mesh-load.ts, 256 calls in
 * flight over one link, the generated MathV1Client), against two bare TCP servers answering
 * length-prefixed MessagePack {id, a, b} with {id, sum}: one message per call each way, and the
 * messages of one event-loop turn batched into one array each way (what the session layer does).
 * All servers run in this process. Ends with `RATIO mesh-batched <accord / raw batched>` and
 * `RATIO mesh <accord / raw unbatched>`.
 *
 * Environment: BENCH_SECONDS (per measured round, default 5), BENCH_ROUNDS (alternations, default 3),
 * BENCH_INFLIGHT (default 256).
 */
import { Dispatcher } from 'accord-rpc/core';
import { meshTransport } from 'accord-rpc/mesh';
import { mathService } from '../examples/handlers/math.js';
import { BENCH_KEY, compareTargets, settings } from './_mesh-compare.js';
import { rawAddServer } from './_mesh-raw.js';

const raw = await rawAddServer(false);
const batched = await rawAddServer(true);
const dispatcher = new Dispatcher({ services: [mathService], nodeId: 'bench-server' });
const node = meshTransport({ port: 0, key: BENCH_KEY });
await node.start(dispatcher);

process.stdout.write(`mesh bench: ${settings.inflight} calls in flight over one TCP connection, ${settings.rounds} x ${settings.seconds} s each (after 1 s warm-up), NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}\n`);
const rates = await compareTargets({ 'raw tcp': ['raw', raw.port], 'raw batched': ['raw-batched', batched.port], 'accord mesh': ['accord', node.port!] });

await node.stop({ graceMs: 1_000 });
await dispatcher.close();
raw.close();
batched.close();
process.stdout.write(`RATIO mesh-batched ${(rates['accord mesh']! / rates['raw batched']!).toFixed(3)}\n`);
process.stdout.write(`RATIO mesh ${(rates['accord mesh']! / rates['raw tcp']!).toFixed(3)}\n`);
