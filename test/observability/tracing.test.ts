/**
 * One trace across processes' worth of hops, seen by the OpenTelemetry SDK's in-memory exporter:
 * a traced HTTP call → server A's span → the handler in a pool worker → a call over WebSocket to
 * server B (B's span is a child of A's) and a nested call back into A (a client span, then its
 * server span). A failed call's span has ERROR status and its code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from 'accord-rpc/http';
import { createServer, type AccordServer } from 'accord-rpc/server';
import { startTestServer, type TestServer } from 'accord-rpc/testing';
import { tracedTransport } from 'accord-rpc/observability';
import { echoService } from './fixtures/echo-handlers.js';
import { OpsClient } from './fixtures/clients.js';
import * as api from '@opentelemetry/api';
import * as sdk from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

const exporter = new sdk.InMemorySpanExporter();
let a: TestServer;
let b: AccordServer;

beforeAll(async () => {
  // The SDK is registered before the servers are created: they check for it once.
  api.trace.setGlobalTracerProvider(new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter)] }));
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  b = await createServer({ services: [echoService], transports: { ws: { port: 0, host: '127.0.0.1' } }, pool: false, metrics: false, logLevel: 'silent' });
  await b.start();
  a = await startTestServer({ services: ['test/observability/fixtures/ops-handlers.ts'], transports: ['http'], config: { pool: { threads: 1 } } });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  api.trace.disable();
  api.context.disable();
});

const spanId = (s: sdk.ReadableSpan) => s.spanContext().spanId;
const parentOf = (s: sdk.ReadableSpan) => s.parentSpanContext?.spanId;

describe('traces', () => {
  it('HTTP → handler in a worker → WS call to another server and a nested call: one trace, right parents', async () => {
    exporter.reset();
    const client = new OpsClient(tracedTransport(httpClient({ url: a.urls.http! })));
    const tracer = api.trace.getTracer('test');
    const result = await tracer.startActiveSpan('test root', async (root) => {
      try {
        return await client.relay({ url: b.urls.ws!, text: 'hello' });
      } finally {
        root.end();
      }
    });
    expect(result.echoed).toBe('hello');
    await expect.poll(() => exporter.getFinishedSpans().length, { timeout: 5_000 }).toBeGreaterThanOrEqual(6);
    const spans = exporter.getFinishedSpans();
    const one = (name: string, kind: api.SpanKind) => {
      const found = spans.filter((s) => s.name === name && s.kind === kind);
      expect(found, `${name} (${kind})`).toHaveLength(1);
      return found[0];
    };
    const root = one('test root', api.SpanKind.INTERNAL);
    const httpClientSpan = one('ops.v1/relay', api.SpanKind.CLIENT);
    const relay = one('ops.v1/relay', api.SpanKind.SERVER);
    const echo = one('echo.v1/say', api.SpanKind.SERVER);
    const nestedClient = one('ops.v1/note', api.SpanKind.CLIENT);
    const nested = one('ops.v1/note', api.SpanKind.SERVER);

    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(parentOf(httpClientSpan)).toBe(spanId(root));
    expect(parentOf(relay)).toBe(spanId(httpClientSpan));
    // The worker carried the server span's context: the other server's span is its child.
    expect(parentOf(echo)).toBe(spanId(relay));
    expect(parentOf(nestedClient)).toBe(spanId(relay));
    expect(parentOf(nested)).toBe(spanId(nestedClient));

    expect(relay.attributes).toMatchObject({ 'rpc.system': 'accord', 'rpc.service': 'ops.v1', 'rpc.method': 'relay', 'accord.transport': 'http', 'rpc.response.status_code': 'OK' });
    expect(nested.attributes).toMatchObject({ 'rpc.method': 'note', 'accord.transport': 'internal', 'rpc.response.status_code': 'OK' });
    expect(echo.attributes).toMatchObject({ 'rpc.system': 'accord', 'rpc.service': 'echo.v1', 'rpc.method': 'say' });
    expect(relay.status.code).toBe(api.SpanStatusCode.UNSET);
  });

  it('a failed call’s server and client spans have ERROR status and the error code; so has a call refused before any handler', async () => {
    exporter.reset();
    const transport = tracedTransport(httpClient({ url: a.urls.http! }));
    await expect(new OpsClient(transport).fail({})).rejects.toMatchObject({ code: 'BROKEN' });
    await expect(transport.unary({ service: 'ops', version: 1, method: 'nosuch', input: {}, metadata: {}, idempotent: false })).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    const spans = exporter.getFinishedSpans();
    const failed = spans.find((s) => s.name === 'ops.v1/fail' && s.kind === api.SpanKind.SERVER)!;
    expect(failed.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(failed.attributes).toMatchObject({ 'rpc.response.status_code': 'BROKEN', 'error.type': 'BROKEN' });
    const failedClient = spans.find((s) => s.name === 'ops.v1/fail' && s.kind === api.SpanKind.CLIENT)!;
    expect(failedClient.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(parentOf(failed)).toBe(spanId(failedClient));
    const refused = spans.find((s) => s.kind === api.SpanKind.SERVER && s.attributes['rpc.method_original'] === 'ops/nosuch');
    expect(refused?.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(refused?.attributes).toMatchObject({ 'rpc.method': '_OTHER', 'rpc.response.status_code': 'UNIMPLEMENTED' });
  });
});
