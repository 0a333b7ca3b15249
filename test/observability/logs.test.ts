/**
 * Logs on pino: a handler's `ctx.logger` line reaches the server's pino logger with the call id and
 * trace id (and service, method), from the main thread and from a pool worker; fastify writes its
 * request lines to the same logger when asked to; the level comes from the config and ACCORD_LOG_LEVEL.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, applyEnv, type AccordServer } from 'accord-rpc/server';
import type { HttpTransport } from 'accord-rpc/http';

const HANDLERS = 'test/observability/fixtures/ops-handlers.ts';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

type LogRecord = Record<string, unknown> & { msg?: string; level: number };

describe('ctx.logger on the server’s pino logger', () => {
  const records: LogRecord[] = [];
  let server: AccordServer;
  let url: string;

  beforeAll(async () => {
    // A deployment's own pino instance, writing into memory.
    const logger = pino({ level: 'info' }, { write: (line: string) => void records.push(JSON.parse(line)) });
    server = await createServer({ services: [HANDLERS], logger, pool: { threads: 1 }, transports: { http: { host: '127.0.0.1', port: 0, logRequests: true } }, metrics: false });
    await server.start();
    url = server.urls.http!;
  });

  afterAll(() => server?.stop());

  const call = async (method: string, body: unknown) => {
    const response = await fetch(`${url}/rpc/ops/v1/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', traceparent: TRACEPARENT }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    return (await response.json()) as { callId: string };
  };

  it('an inline handler’s line carries callId, traceId, service and method', async () => {
    const { callId } = await call('note', { text: 'main thread' });
    const record = records.find((r) => r.msg === 'handler note' && r.text === 'main thread');
    expect(record).toMatchObject({ level: 30, callId, traceId: TRACE_ID, service: 'ops.v1', method: 'note' });
    expect(record?.worker).toBeUndefined();
  });

  it('a pool worker’s line reaches the main thread’s logger with the same bindings, and the worker’s thread id', async () => {
    const { callId } = await call('poolNote', { text: 'in a worker' });
    await expect.poll(() => records.find((r) => r.msg === 'handler note' && r.text === 'in a worker'), { timeout: 5_000 })
      .toMatchObject({ level: 30, callId, traceId: TRACE_ID, service: 'ops.v1', method: 'poolNote', worker: expect.any(Number) });
  });

  it('with logRequests, fastify writes its request lines to the same pino instance', async () => {
    const http = server.transports.find((t) => t.name === 'http') as HttpTransport;
    http.app.log.info({ probe: 'fastify' }, 'from fastify');
    expect(records.find((r) => r.probe === 'fastify')).toMatchObject({ msg: 'from fastify', level: 30 });
    await call('note', { text: 'request lines' });
    expect(records.find((r) => r.msg === 'request completed' && (r.res as { statusCode?: number })?.statusCode === 200)).toMatchObject({ reqId: expect.any(String) });
  });
});

describe('log level', () => {
  it('comes from logLevel, and ACCORD_LOG_LEVEL overrides it', async () => {
    const base = { services: [HANDLERS], pool: false as const, transports: { http: { port: 0 } }, metrics: false as const, logLevel: 'warn' as const };
    const fromConfig = await createServer(base);
    const fromEnv = await createServer(applyEnv(base, { ACCORD_LOG_LEVEL: 'debug', ACCORD_LOG_FORMAT: 'json' }));
    expect((fromConfig.logger as pino.Logger).level).toBe('warn');
    expect((fromEnv.logger as pino.Logger).level).toBe('debug');
    expect(() => applyEnv(base, { ACCORD_LOG_LEVEL: 'loud' })).toThrow(/ACCORD_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent/);
    await Promise.all([fromConfig.stop(), fromEnv.stop()]);
  });
});
