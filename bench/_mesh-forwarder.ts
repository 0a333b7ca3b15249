/**
 * The forwarding node of `npm run bench -- mesh-hop`, in its own process: a mesh node with no
 * services that dials the node at `port`; every call it receives is routed again by its
 * dispatcher and mesh router and sent on. Prints `FORWARDER <port>` once the serving node is
 * reachable; answers `open` / `close` lines on stdin with `CPU <ms>` (its CPU time in between, for
 * the bench's CPU per call). Exits on SIGTERM (writing its CPU profile when asked for one).
 * Usage: node --import tsx bench/_mesh-forwarder.ts <port> <key>
 */
import { createInterface } from 'node:readline';
import { Dispatcher } from 'accord-rpc/core';
import { meshTransport } from 'accord-rpc/mesh';

const [targetArg, key] = process.argv.slice(2);
const node = meshTransport({ port: 0, key: key!, seeds: [`127.0.0.1:${targetArg}`] });
await node.start(new Dispatcher({ services: [], nodeId: 'bench-forwarder' }));
await node.whenReachable('math', 1);
process.stdout.write(`FORWARDER ${node.port}\n`);
process.once('SIGTERM', () => process.exit(0));

let opened = process.cpuUsage();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'open') opened = process.cpuUsage();
  if (line !== 'close') return;
  const used = process.cpuUsage(opened);
  process.stdout.write(`CPU ${(used.user + used.system) / 1000}\n`);
});
