/**
 * Prometheus metrics, scraped over HTTP from real servers and read with a strict text-format parser
 * (support/prometheus-text.ts), cross-checked against prom-client's own registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccordError } from 'accord-rpc/core';
import { httpClient } from 'accord-rpc/http';
import { startTestServer, type TestServer } from 'accord-rpc/testing';
import { createServer } from 'accord-rpc/server';
import { wsClient } from 'accord-rpc/ws';
import { OpsClient } from './fixtures/clients.js';
import { parsePrometheusText, sumOf, valueOf } from './support/prometheus-text.js';

const HANDLERS = 'test/observability/fixtures/ops-handlers.ts';
const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const calls = 'rpc_server_calls_total';
const errors = 'rpc_server_errors_total';
const ops = (method: string, code: string, extra: Record<string, string> = {}) => ({ rpc_system: 'accord', rpc_service: 'ops', accord_service_version: '1', rpc_method: method, rpc_response_status_code: code, ...extra });

describe('GET /metrics on the HTTP transport', () => {
  let server: TestServer;
  let ws: ReturnType<typeof wsClient>;

  beforeAll(async () => {
    server = await startTestServer({ services: [HANDLERS], transports: ['http', 'ws'] });
    const http = new OpsClient(httpClient({ url: server.urls.http! }));
    for (let i = 0; i < 3; i++) await http.note({ text: `n${i}` });
    await expect(http.fail({})).rejects.toMatchObject({ code: 'BROKEN' });
    expect((await post(`${server.urls.http}/rpc/ops/v1/note`, { text: 42 })).status).toBe(400);
    expect((await post(`${server.urls.http}/rpc/nosuch/v1/thing`, {})).status).toBe(501);
    expect((await post(`${server.urls.http}/rpc/ops/v1/nosuch`, {})).status).toBe(501);
    ws = wsClient({ url: server.urls.ws! });
    const overWs = new OpsClient(ws);
    await overWs.note({ text: 'a' });
    await overWs.note({ text: 'b' });
    await expect(overWs.fail({})).rejects.toBeInstanceOf(AccordError);
  });

  afterAll(async () => {
    await ws?.close?.();
    await server?.stop();
  });

  it('counts calls and errors per method, transport and result code, unknown names bucketed as _OTHER', async () => {
    const response = await fetch(`${server.urls.http}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parsePrometheusText(await response.text());
    expect(metrics.get(calls)?.type).toBe('counter');
    const http = { accord_transport: 'http' };
    expect(valueOf(metrics, calls, calls, ops('note', 'OK', http))).toBe(3);
    expect(valueOf(metrics, calls, calls, ops('note', 'INVALID_ARGUMENT', http))).toBe(1);
    expect(valueOf(metrics, calls, calls, ops('fail', 'BROKEN', http))).toBe(1);
    expect(valueOf(metrics, errors, errors, ops('fail', 'BROKEN', http))).toBe(1);
    expect(valueOf(metrics, errors, errors, ops('note', 'INVALID_ARGUMENT', http))).toBe(1);
    expect(() => valueOf(metrics, errors, errors, ops('note', 'OK', http))).toThrow(/0 samples/);
    // Names the server does not serve never become label values.
    expect(valueOf(metrics, calls, calls, { rpc_service: '_OTHER', accord_service_version: '_OTHER', rpc_method: '_OTHER', rpc_response_status_code: 'UNIMPLEMENTED', ...http })).toBe(1);
    expect(valueOf(metrics, calls, calls, { rpc_service: 'ops', accord_service_version: '1', rpc_method: '_OTHER', rpc_response_status_code: 'UNIMPLEMENTED', ...http })).toBe(1);
    expect(metrics.get(calls)!.samples.some((s) => Object.values(s.labels).includes('nosuch'))).toBe(false);
    // Over WebSocket: the same methods and codes under the WS transport's label (`ws` once the
    // session layer fills the envelope's transport; until then `unknown`), never under `http`.
    const overWs = (method: string, code: string) => sumOf(metrics, calls, calls, (l) => l.rpc_method === method && l.rpc_response_status_code === code && l.accord_transport !== 'http');
    expect(overWs('note', 'OK')).toBe(2);
    expect(overWs('fail', 'BROKEN')).toBe(1);
  });

  it('has a duration histogram per method and code, gauges for calls in flight and WS connections, and process metrics', async () => {
    const metrics = parsePrometheusText(await (await fetch(`${server.urls.http}/metrics`)).text());
    const duration = 'rpc_server_duration_seconds';
    expect(metrics.get(duration)?.type).toBe('histogram');
    expect(valueOf(metrics, duration, `${duration}_count`, ops('note', 'OK', { accord_transport: 'http' }))).toBe(3);
    expect(valueOf(metrics, duration, `${duration}_bucket`, ops('note', 'OK', { accord_transport: 'http', le: '+Inf' }))).toBe(3);
    expect(valueOf(metrics, duration, `${duration}_sum`, ops('note', 'OK', { accord_transport: 'http' }))).toBeGreaterThan(0);
    expect(valueOf(metrics, 'rpc_server_active_calls', 'rpc_server_active_calls', { rpc_method: 'note', accord_transport: 'http' })).toBe(0);
    expect(valueOf(metrics, 'accord_ws_connections', 'accord_ws_connections', {})).toBe(1);
    expect(metrics.get('process_cpu_user_seconds_total')?.type).toBe('counter');
  });

  it('serves what prom-client’s own registry holds', async () => {
    const metrics = parsePrometheusText(await (await fetch(`${server.urls.http}/metrics`)).text());
    const registry = server.server.metrics!.registry;
    const json = (await registry.getMetricsAsJSON()).find((m) => m.name === calls)!;
    const fromRegistry = json.values.map((v) => `${JSON.stringify(Object.entries(v.labels).sort())}=${v.value}`).sort();
    const fromText = metrics.get(calls)!.samples.map((s) => `${JSON.stringify(Object.entries(s.labels).sort())}=${s.value}`).sort();
    expect(fromText).toEqual(fromRegistry);
  });
});

describe('metrics without an HTTP transport', () => {
  it('a listener of its own serves /metrics with the pool gauges, and /readyz', async () => {
    const server = await createServer({
      services: [HANDLERS],
      transports: { ws: { port: 0, host: '127.0.0.1' } },
      pool: { threads: 1 },
      metrics: { port: 0 },
      logLevel: 'silent',
    });
    await server.start();
    const ws = wsClient({ url: server.urls.ws! });
    try {
      expect(server.urls.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      await new OpsClient(ws).poolNote({ text: 'in a worker' });
      const metrics = parsePrometheusText(await (await fetch(server.urls.metrics!)).text());
      expect(valueOf(metrics, 'accord_pool_workers', 'accord_pool_workers', { state: 'ready' })).toBe(1);
      expect(valueOf(metrics, 'accord_pool_queue_length', 'accord_pool_queue_length', {})).toBe(0);
      expect(valueOf(metrics, 'accord_pool_workers_busy', 'accord_pool_workers_busy', {})).toBe(0);
      expect(metrics.get('accord_pool_worker_replacements_total')?.type).toBe('counter');
      expect(sumOf(metrics, calls, calls, (l) => l.rpc_method === 'poolNote' && l.rpc_response_status_code === 'OK')).toBe(1);
      expect((await fetch(server.urls.metrics!.replace('/metrics', '/readyz'))).status).toBe(200);
    } finally {
      await ws.close?.();
      await server.stop();
    }
  });
});
