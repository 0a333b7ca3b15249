/**
 * `npm run bench -- mesh-hop`: the cost of forwarding. math.add on an Accord mesh node in this
 * process, called by a meshClient in a load process (bench/_mesh-load.ts, 256 in flight) through a
 * forwarding mesh node in a third process (bench/_mesh-relay.ts: it decodes each call, routes it
 * through its dispatcher and router, and sends it on), against the raw baseline: the batched bare
 * TCP server (bench/_mesh-raw.ts) reached through a relay process that only pipes bytes. Also
 * prints the meshClient calling the node directly, for the cost of the hop itself. Ends with
 * `RATIO mesh-hop <accord through a node / raw through a byte relay>`.
 *
 * Environment: BENCH_SECONDS (default 5), BENCH_ROUNDS (default 3), BENCH_INFLIGHT (default 256).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Dispatcher } from 'accord-rpc/core';
import { meshTransport } from 'accord-rpc/mesh';
import { mathService } from '../examples/handlers/math.js';
import { BENCH_KEY, compareTargets, settings } from './_mesh-compare.js';
import { rawAddServer } from './_mesh-raw.js';

const relayScript = fileURLToPath(new URL('./_mesh-relay.ts', import.meta.url));
const relays: ChildProcess[] = [];

/** Starts a middle hop in its own process; resolves with the port it listens on. */
function startRelay(mode: 'raw' | 'accord', target: number): Promise<number> {
  const child = spawn(process.execPath, ['--conditions=accord-source', '--import', 'tsx', relayScript, mode, String(target), BENCH_KEY], { stdio: ['ignore', 'pipe', 'inherit'] });
  relays.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /RELAY (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`the ${mode} relay exited (${code})`)));
  });
}

const batched = await rawAddServer(true);
const dispatcher = new Dispatcher({ services: [mathService], nodeId: 'bench-server' });
const node = meshTransport({ port: 0, key: BENCH_KEY });
await node.start(dispatcher);
try {
  const [rawRelayPort, meshRelayPort] = await Promise.all([startRelay('raw', batched.port), startRelay('accord', node.port!)]);
  process.stdout.write(`mesh-hop bench: ${settings.inflight} calls in flight, one middle process, ${settings.rounds} x ${settings.seconds} s each (after 1 s warm-up), NODE_ENV=${process.env.NODE_ENV ?? '(unset)'}\n`);
  const rates = await compareTargets({
    'raw via byte relay': ['raw-batched', rawRelayPort],
    'accord via mesh node': ['accord', meshRelayPort],
    'accord direct': ['accord', node.port!],
  });
  const hop = rates['accord via mesh node']!;
  process.stdout.write(`forwarding keeps ${(100 * hop / rates['accord direct']!).toFixed(0)}% of the direct rate\n`);
  process.stdout.write(`RATIO mesh-hop ${(hop / rates['raw via byte relay']!).toFixed(3)}\n`);
} finally {
  for (const relay of relays) if (relay.exitCode === null && relay.signalCode === null) process.kill(relay.pid!, 'SIGKILL');
  await node.stop({ graceMs: 1_000 });
  await dispatcher.close();
  batched.close();
}
