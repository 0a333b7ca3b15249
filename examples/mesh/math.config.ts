/**
 * Node `math` of the three-node mesh example: serves math (fib in a worker thread), reachable only
 * through the mesh. It dials `edge`, and learns every other node from it.
 *
 *   npm run serve -- examples/mesh/math.config.ts
 */
import { defineConfig } from 'accord-rpc/server';
import { EXAMPLE_MESH_KEY } from './demo-credentials.js';

export default defineConfig({
  nodeId: 'math',
  services: ['../handlers/math.ts'],
  transports: { mesh: { port: 7401, seeds: ['127.0.0.1:7400'], key: EXAMPLE_MESH_KEY } },
  pool: { threads: 1 },
  // No HTTP port on this node: Prometheus metrics get a listener of their own (edge's are on 3000).
  metrics: { port: 9465 },
  logLevel: 'info',
});
