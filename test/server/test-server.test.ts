import { createServer as createNetServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createClients } from '../../generated/index.js';
import { createUsersServices } from '../../examples/handlers/users.js';
import { startTestServer } from 'accord-rpc/testing';
import { httpClient } from 'accord-rpc/http';
import { wsClient } from 'accord-rpc/ws';

/** Whether a fresh listener can take `port` (i.e. the test server really let go of it). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('startTestServer', () => {
  it('starts HTTP and WebSocket on a free 127.0.0.1 port; events arrive over WS; stop() frees the port', async () => {
    const users = createUsersServices();
    const server = await startTestServer({
      services: ['examples/handlers/math.ts', users.v2],
      config: { authenticate: ({ token }) => (token === 't' ? { subject: 'tester', scopes: ['users:write'] } : null) },
    });
    const { http, ws } = server.urls;
    expect(http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ws).toBe(`${http!.replace('http', 'ws')}/ws`);

    const overHttp = createClients(httpClient({ url: http!, metadata: { authorization: 'Bearer t' } }));
    expect(await overHttp.math.add({ a: 20, b: 22 })).toEqual({ sum: 42 });

    const socket = wsClient({ url: ws!, metadata: { authorization: 'Bearer t' } });
    const overWs = createClients(socket);
    const created = new Promise((resolve) => overWs.users.on('created', resolve));
    await overWs.math.add({ a: 0, b: 0 });
    const user = await overHttp.users.create({ givenName: 'Tess', familyName: 'Ter', email: 'tess@example.com' });
    expect(await created).toEqual(user);
    await socket.close();

    expect(server.dispatcher).toBe(server.server.dispatcher);
    const port = Number(new URL(http!).port);
    expect(await portIsFree(port)).toBe(false);
    await server.stop();
    expect(await portIsFree(port)).toBe(true);
  });

  it('runs only the transports asked for, with the pool when the config asks for it', async () => {
    const server = await startTestServer({ services: ['examples/handlers/math.ts'], transports: ['http'], config: { pool: { threads: 1 } } });
    try {
      expect(Object.keys(server.urls)).toEqual(['http']);
      expect(server.server.health().pool).toBe(true);
      expect(await createClients(httpClient({ url: server.urls.http! })).math.fib({ n: 20 })).toEqual({ value: 6765 });
    } finally {
      await server.stop();
    }
  });

  it('needs services', async () => {
    await expect(startTestServer({})).rejects.toThrow(/pass `services`/);
  });
});
