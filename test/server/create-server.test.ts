import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { math } from '../../contracts/math.js';
import { mathService } from '../../examples/handlers/math.js';
import { createUsersServices } from '../../examples/handlers/users.js';
import { createTickerService } from '../../examples/handlers/ticker.js';
import { createClients } from '../../generated/index.js';
import { AccordError, bindService, type Logger } from 'accord-rpc/core';
import { createServer, healthOf, type AccordServer } from 'accord-rpc/server';
import { memoryTransport } from 'accord-rpc/testing';
import { httpClient } from 'accord-rpc/http';
import { wsClient } from 'accord-rpc/ws';

const handlers = (name: string) => new URL(`../../examples/handlers/${name}.ts`, import.meta.url).pathname;
const servers: AccordServer[] = [];
const track = (server: AccordServer) => (servers.push(server), server);
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop().catch(() => undefined)));
});

const codeOf = (work: Promise<unknown>) => work.then(() => 'ok', (e: AccordError) => e.code);

function capture(): Logger & { lines: Array<{ level: string; msg?: string; obj: unknown }> } {
  const lines: Array<{ level: string; msg?: string; obj: unknown }> = [];
  const at = (level: string) => (obj: object | string, msg?: string) => lines.push({ level, msg: typeof obj === 'string' ? obj : msg, obj });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('createServer', () => {
  it('serves handler modules over HTTP and WebSocket on one port, and reports health', async () => {
    const server = track(await createServer({
      services: [handlers('math'), handlers('ticker')],
      transports: { http: { host: '127.0.0.1', port: 0 }, ws: {} },
      pool: { threads: 1 },
      logLevel: 'silent',
    }));
    expect(server.state).toBe('created');
    expect(healthOf(server.dispatcher)).toMatchObject({ ready: false, live: true });
    await server.start();
    expect(server.state).toBe('ready');
    const { http, ws } = server.urls;
    expect(ws).toBe(`${http!.replace('http', 'ws')}/ws`);
    expect(healthOf(server.dispatcher)).toMatchObject({ state: 'ready', ready: true, pool: true, services: ['math.v1', 'ticker.v1'] });
    expect((await fetch(`${http}/readyz`)).status).toBe(200);

    const overHttp = createClients(httpClient({ url: http! }));
    expect(await overHttp.math.add({ a: 2, b: 3 })).toEqual({ sum: 5 });
    expect(await overHttp.math.fib({ n: 10 })).toEqual({ value: 55 });
    const socket = wsClient({ url: ws! });
    try {
      const overWs = createClients(socket);
      const seqs = [];
      for await (const tick of overWs.ticker.watch({ symbol: 'WS', count: 3, intervalMs: 1 })) seqs.push(tick.seq);
      expect(seqs).toEqual([1, 2, 3]);
    } finally {
      await socket.close();
    }
  });

  it('stop() lets in-flight HTTP and WebSocket calls finish, reports draining, then frees the port', async () => {
    const server = track(await createServer({
      services: [createTickerService()],
      transports: { http: { host: '127.0.0.1', port: 0 }, ws: {} },
      pool: false,
      logLevel: 'silent',
    }));
    await server.start();
    const url = server.urls.http!;
    const client = createClients(httpClient({ url }));
    const socket = wsClient({ url: server.urls.ws!, reconnect: false });
    let wsStarted!: () => void;
    const wsFirstItem = new Promise<void>((resolve) => (wsStarted = resolve));
    const overWs = (async () => {
      const seqs: number[] = [];
      for await (const tick of createClients(socket).ticker.watch({ symbol: 'WSD', count: 5, intervalMs: 60 })) {
        seqs.push(tick.seq);
        wsStarted();
      }
      return seqs;
    })();
    await Promise.race([wsFirstItem, overWs]);
    const seen: number[] = [];
    let stopping: Promise<void> | undefined;
    for await (const tick of client.ticker.watch({ symbol: 'DRAIN', count: 5, intervalMs: 60 })) {
      seen.push(tick.seq);
      if (tick.seq === 1) {
        stopping = server.stop({ graceMs: 5_000 });
        await new Promise((r) => setTimeout(r, 10));
        expect(healthOf(server.dispatcher)).toMatchObject({ state: 'draining', ready: false, live: true });
      }
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(await overWs).toEqual([1, 2, 3, 4, 5]);
    await stopping;
    await socket.close();
    expect(server.state).toBe('stopped');
    expect(healthOf(server.dispatcher).live).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await expect(server.start()).rejects.toThrow(/stopped/);
  });

  it('passes authenticate, guards, middleware, validateOutput, defaultTimeoutMs and maxHops to the dispatcher', async () => {
    const users = createUsersServices();
    const wrapped: string[] = [];
    const leaky = bindService(math, { ...mathService.handlers, add: () => ({ sum: 'five' }) });
    const make = (validateOutput: boolean) => createServer({
      services: [leaky, users.v2, createTickerService()],
      authenticate: ({ token }) => (token === 'admin' ? { subject: 'admin', scopes: ['users:write'] } : null),
      guards: [({ methodName }) => {
        if (methodName === 'divide') throw new AccordError('PERMISSION_DENIED', 'no dividing today');
      }],
      middleware: [(call, next) => (wrapped.push(call.methodName), next())],
      validateOutput,
      defaultTimeoutMs: 100,
      maxHops: 2,
      pool: false,
      logLevel: 'silent',
    });
    const strict = await make(true);
    const clients = createClients(memoryTransport(strict, { metadata: { authorization: 'Bearer admin' } }));
    expect(await codeOf(clients.math.add({ a: 1, b: 2 }))).toBe('INTERNAL');
    expect(await codeOf(clients.math.divide({ a: 1, b: 2 }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(clients.users.create({ givenName: 'A', familyName: 'B', email: 'a@b.example' }))).toBe('ok');
    expect(await codeOf(createClients(memoryTransport(strict, { metadata: { authorization: 'Bearer guest' } })).users.create({ givenName: 'A', familyName: 'B', email: 'c@b.example' }))).toBe('UNAUTHENTICATED');
    const slow = (async () => { for await (const _ of clients.ticker.watch({ symbol: 'SLOW', count: 3, intervalMs: 1_000 })) void _; })();
    expect(await codeOf(slow)).toBe('DEADLINE_EXCEEDED');
    const hops = strict.dispatcher.unary({ id: 'x', service: 'math', version: 1, method: 'divide', input: { a: 1, b: 1 }, meta: { hops: 3, headers: {} } });
    expect(await codeOf(hops)).toBe('LOOP_DETECTED');

    expect(wrapped).toContain('create');
    const lax = await make(false);
    expect(await createClients(memoryTransport(lax)).math.add({ a: 1, b: 2 })).toEqual({ sum: 'five' });
  });

  it('pool methods of services given as objects run inline, with a warning; module services use the pool', async () => {
    const logger = capture();
    const objects = await createServer({ services: [mathService], pool: {}, logger });
    expect(objects.health().pool).toBe(false);
    expect(logger.lines.some((l) => l.level === 'warn' && /run inline/.test(l.msg ?? ''))).toBe(true);
    expect(await createClients(memoryTransport(objects)).math.fib({ n: 12 })).toEqual({ value: 144 });

    const modules = track(await createServer({ services: [handlers('math')], pool: { threads: 1 }, logLevel: 'silent' }));
    expect(modules.health().pool).toBe(true);
    expect(await createClients(memoryTransport(modules)).math.fib({ n: 12 })).toEqual({ value: 144 });
    await modules.reload();
    expect(await createClients(memoryTransport(modules)).math.fib({ n: 13 })).toEqual({ value: 233 });
    await modules.stop();
    expect(modules.state).toBe('stopped');
  });

  it('reload() swaps in edited handler code, inline and pool methods alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-reload-'));
    const file = join(dir, 'math-handlers.ts');
    const write = (factor: number) => writeFileSync(file, [
      `import { implementMathV1 } from ${JSON.stringify(new URL('../../generated/math/server.ts', import.meta.url).href)};`,
      `export const service = implementMathV1({`,
      `  add: ({ a, b }) => ({ sum: (a + b) * ${factor} }),`,
      `  fib: ({ n }) => ({ value: n * ${factor} }),`,
      `  divide: ({ a, b }) => ({ quotient: a / b }),`,
      `});`,
    ].join('\n'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    try {
      write(1);
      const server = track(await createServer({ services: [file], pool: { threads: 1 }, logLevel: 'silent' }));
      const client = createClients(memoryTransport(server)).math;
      expect([await client.add({ a: 1, b: 2 }), await client.fib({ n: 5 })]).toEqual([{ sum: 3 }, { value: 5 }]);
      write(10);
      await server.reload();
      expect([await client.add({ a: 1, b: 2 }), await client.fib({ n: 5 })]).toEqual([{ sum: 30 }, { value: 50 }]);
      await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a transport that cannot start fails start() with its name, and leaves nothing open', async () => {
    const blocker: Server = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const server = track(await createServer({ services: [mathService], transports: { http: { host: '127.0.0.1', port } }, pool: false, logLevel: 'silent' }));
      await expect(server.start()).rejects.toThrow(/the http transport failed to start: .*EADDRINUSE/);
      expect(server.state).toBe('stopped');
    } finally {
      blocker.close();
    }
  });
});
