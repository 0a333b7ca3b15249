/**
 * `npm run bench -- mesh-hop`: the cost of a forwarding node. math.add on an Accord mesh node in
 * this process, called by a meshClient in a load process (bench/_mesh-load.ts, 256 in flight),
 * once directly and once through a forwarding node in a third process (bench/_mesh-forwarder.ts:
 * no services; its dispatcher routes each call again and its router sends it on). Same client,
 * same call, same server, in one run; each reports calls/s, p50/p99 under load, the CPU time per
 * call of each process (load, server, forwarder) and the p50/p99 of one call at a time. Ends
 * with `RATIO mesh-hop <through a forwarder / direct>` (the goal is 0.5).
 *
 * Environment: BENCH_SECONDS (default 4), BENCH_ROUNDS (default 3), BENCH_INFLIGHT (default 256),
 * BENCH_LATENCY_SECONDS (default 1.5).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Dispatcher } from 'accord-rpc/core';
import { meshTransport } from 'accord-rpc/mesh';
import { mathService } from '../examples/handlers/math.js';
import { BENCH_KEY, childMeter, compareTargets, describeSettings, localMeter, printRatio, profileFlags } from './_mesh-compare.js';

const forwarderScript = fileURLToPath(new URL('./_mesh-forwarder.ts', import.meta.url));

const dispatcher = new Dispatcher({ services: [mathService], nodeId: 'bench-server' });
const node = meshTransport({ port: 0, key: BENCH_KEY });
await node.start(dispatcher);
const forwarder = spawn(process.execPath, ['--conditions=accord-source', ...profileFlags(), '--import', 'tsx', forwarderScript, String(node.port), BENCH_KEY], { stdio: ['pipe', 'pipe', 'inherit'] });
try {
  const forwarderPort = await new Promise<number>((resolve, reject) => {
    let out = '';
    forwarder.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /FORWARDER (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    forwarder.on('exit', (code) => reject(new Error(`the forwarding node exited (${code})`)));
  });
  process.stdout.write(describeSettings('mesh-hop bench (client → server, and client → forwarding node → server)'));
  const server = localMeter('server');
  const results = await compareTargets({
    'accord direct': { mode: 'accord', port: node.port!, meters: [server] },
    'accord via forwarder': { mode: 'accord', port: forwarderPort, meters: [server, childMeter('forwarder', forwarder)] },
  });
  printRatio('mesh-hop', results, 'accord via forwarder', 'accord direct');
} finally {
  // SIGTERM: the forwarder exits cleanly (and writes its CPU profile when asked to).
  if (forwarder.exitCode === null && forwarder.signalCode === null) process.kill(forwarder.pid!, 'SIGTERM');
  await node.stop({ graceMs: 1_000 });
  await dispatcher.close();
}
