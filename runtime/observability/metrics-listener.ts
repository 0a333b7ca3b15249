/**
 * A small HTTP listener for Prometheus when the server runs no HTTP transport (a NATS or mesh only
 * node): `GET /metrics`, plus `/healthz` and `/readyz` with the same meaning as on the HTTP transport.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthReport } from '../core/health.js';
import type { AccordMetrics } from './metrics.js';

export interface MetricsListenerOptions {
  metrics: AccordMetrics;
  health: () => HealthReport;
  host?: string;
  /** Default 9464, the port OpenTelemetry's Prometheus exporter uses; 0 picks a free one. */
  port?: number;
  path?: string;
}

export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsListener(options: MetricsListenerOptions): Promise<MetricsListener> {
  const path = options.path ?? '/metrics';
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (url === path) {
      options.metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(error as Error)?.message ?? error}\n`),
      );
    } else if (url === '/healthz' || url === '/readyz') {
      const health = options.health();
      const ok = url === '/healthz' ? health.live : health.ready;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', state: health.state }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; metrics are at ${path}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9464, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${path}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
