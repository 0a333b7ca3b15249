/**
 * Node `users` of the three-node mesh example: serves users and files (file methods in a worker
 * thread) and checks their credentials itself: callers' metadata travels with each call through
 * the mesh, so the `authorization` header a client sent to `edge` is checked here.
 *
 *   npm run serve -- examples/mesh/users.config.ts
 */
import { defineConfig } from 'accord-rpc/server';
import { authenticate, EXAMPLE_MESH_KEY } from './demo-credentials.js';

export default defineConfig({
  nodeId: 'users',
  services: ['../handlers/users.ts', '../handlers/files.ts'],
  transports: { mesh: { port: 7402, seeds: ['127.0.0.1:7400'], key: EXAMPLE_MESH_KEY } },
  pool: { threads: 1 },
  authenticate,
  // No HTTP port on this node: Prometheus metrics get a listener of their own (edge's are on 3000).
  metrics: { port: 9466 },
  logLevel: 'info',
});
