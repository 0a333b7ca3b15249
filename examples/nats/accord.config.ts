/**
 * The deploy config of the NATS example: the demo's services, credentials and pool, with NATS as
 * the only transport. Run two (or more) processes of it against one NATS server:
 *
 *   ACCORD_NATS_URL=nats://127.0.0.1:4222 ACCORD_NODE_ID=node-1 ACCORD_METRICS_PORT=0 npx tsx --conditions=accord-source codegen/cli.ts serve examples/nats/accord.config.ts
 *   ACCORD_NATS_URL=nats://127.0.0.1:4222 ACCORD_NODE_ID=node-2 ACCORD_METRICS_PORT=0 npx tsx --conditions=accord-source codegen/cli.ts serve examples/nats/accord.config.ts
 *
 * (`npx accord serve examples/nats/accord.config.ts` in a project that installed accord-rpc.)
 * With no HTTP transport each process serves /metrics on a listener of its own: give each its own
 * port (ACCORD_METRICS_PORT, 0 for any free one) when several run on one machine.
 */
import { defineConfig } from 'accord-rpc/server';
import demo from '../../accord.config.js';

export default defineConfig({
  ...demo,
  // The demo's handler paths are relative to the repository root.
  root: '../..',
  transports: { nats: { servers: 'nats://127.0.0.1:4222' } },
  pool: { threads: 1 },
});
