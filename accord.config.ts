/**
 * The demo's deploy-time config, read by `accord serve` (npm run serve) and `npm run demo`.
 * Handler code never names a transport: this file does. Environment variables override it:
 * PORT, HOST, WS_PORT, ACCORD_TRANSPORTS, ACCORD_POOL_THREADS, ACCORD_LOG_LEVEL, ACCORD_LOG_FORMAT
 * (see docs/server.md and docs/operations.md).
 *
 * DEMO ONLY: the authenticate hook below accepts fixed, public tokens. A real deployment verifies
 * tokens with its identity provider (JWT signature, expiry, audience) and keys against a store.
 */
import { defineConfig } from 'accord-rpc/server';

/** Demo credentials, printed by `npm run demo`. Never use fixed tokens in production. */
export const DEMO_CREDENTIALS = {
  adminToken: 'demo-admin', // bearer, scope users:write
  readerToken: 'demo-reader', // bearer, no scopes
  apiKey: 'demo-api-key', // x-api-key header, for files.upload
} as const;

export default defineConfig({
  services: [
    './examples/handlers/math.ts',
    './examples/handlers/users.ts',
    './examples/handlers/files.ts',
    './examples/handlers/ticker.ts',
  ],
  transports: {
    http: { port: 3000, openapiFile: './generated/openapi.json', asyncapiFile: './generated/asyncapi.json' },
    // No port of its own: WebSocket shares the HTTP port, under /ws.
    ws: { path: '/ws' },
  },
  // Runs math.fib and the files methods in worker threads (size: ACCORD_POOL_THREADS, 0 = off).
  pool: {},
  authenticate: ({ type, token }) => {
    if (type === 'bearer' && token === DEMO_CREDENTIALS.adminToken) return { subject: 'demo-admin', scopes: ['users:write'] };
    if (type === 'bearer' && token === DEMO_CREDENTIALS.readerToken) return { subject: 'demo-reader', scopes: [] };
    if (type === 'apiKey' && token === DEMO_CREDENTIALS.apiKey) return { subject: 'demo-integration' };
    return null;
  },
  defaultTimeoutMs: 30_000,
  shutdownGraceMs: 5_000,
  logLevel: 'info',
  // Pretty lines (pino-pretty) in a terminal, pino's JSON lines otherwise (ACCORD_LOG_FORMAT overrides).
  logFormat: 'auto',
  // Prometheus metrics at /metrics on the HTTP port (the default; `metrics: false` turns them off).
  metrics: {},
});
