/**
 * The deploy config of the fault tests' and the soak's `accord serve` processes (fault-servers.ts):
 * `faults` v1 in a worker pool, behind whichever transports ACCORD_TRANSPORTS names, with quick
 * heartbeats and redials so faults are noticed within a second or two, not the defaults' 15 s.
 * Ports, seeds, NATS servers, node id and pool size come from the environment.
 */
import { defineConfig } from 'accord-rpc/server';

export const MESH_KEY = 'reliability-faults-mesh-key-0123456789';

export default defineConfig({
  services: ['./fault-handlers.ts'],
  transports: {
    http: { host: '127.0.0.1', docs: false },
    ws: { path: '/ws', heartbeatIntervalMs: 1_000 },
    mesh: { key: MESH_KEY, heartbeatIntervalMs: 500, reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, handshakeTimeoutMs: 2_000 },
    nats: { heartbeatMs: 250, reconnectTimeWait: 200, reconnectJitter: 50, discoveryWaitMs: 100 },
  },
  pool: { threads: 1, abortGraceMs: 300 },
  defaultTimeoutMs: 10_000,
  logLevel: 'error',
  shutdownGraceMs: 500,
});
