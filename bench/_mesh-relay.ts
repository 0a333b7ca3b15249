/**
 * The middle hop of `npm run bench -- mesh-hop`, in its own process: `raw <port>` pipes bytes to a
 * TCP server; `accord <port> <key>` is a mesh node with no services that dials the node at `port`
 * and forwards calls to it (its dispatcher routes each call again). Prints `RELAY <port>` once up
 * and runs until killed (SIGTERM exits cleanly).
 */
import { Dispatcher } from 'accord-rpc/core';
import { meshTransport } from 'accord-rpc/mesh';
import { rawRelay } from './_mesh-raw.js';

const [mode, targetArg, key] = process.argv.slice(2);
const target = Number(targetArg);

if (mode === 'raw') {
  const relay = await rawRelay(target);
  process.stdout.write(`RELAY ${relay.port}\n`);
} else {
  const node = meshTransport({ port: 0, key: key!, seeds: [`127.0.0.1:${target}`] });
  await node.start(new Dispatcher({ services: [], nodeId: 'bench-middle' }));
  await node.whenReachable('math', 1);
  process.stdout.write(`RELAY ${node.port}\n`);
}
process.once('SIGTERM', () => process.exit(0));
