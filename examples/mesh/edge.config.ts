/**
 * Node `edge` of the three-node mesh example: the public face. It serves `ticker` itself and
 * answers HTTP and WebSocket on port 3000; calls for math, users and files go through the mesh
 * (port 7400) to the nodes that serve them.
 *
 *   npm run serve -- examples/mesh/edge.config.ts
 */
import { defineConfig } from 'accord-rpc/server';
import { EXAMPLE_MESH_KEY } from './demo-credentials.js';

export default defineConfig({
  nodeId: 'edge',
  services: ['../handlers/ticker.ts'],
  transports: {
    http: { port: 3000 },
    ws: { path: '/ws' },
    mesh: { port: 7400, key: EXAMPLE_MESH_KEY },
  },
  pool: false,
  logLevel: 'info',
});
