/** Dropped connections, dead peers, graceful stop, idle timeout and the connection cap. */
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MathV1Client } from '../../generated/math/client.js';
import { wsClient, wsTransport } from 'accord-rpc/ws';
import { call, rawPeer, rejection, startHarness, until, type Harness } from './fixture.js';

/** A TCP proxy we can cut (destroy) or freeze (stop forwarding without closing). */
async function proxyTo(port: number) {
  const sockets: Socket[] = [];
  let frozen = false;
  const server = createServer((inbound) => {
    inbound.pause();
    const outbound = createConnection({ port, host: '127.0.0.1' }, () => inbound.resume());
    sockets.push(inbound, outbound);
    inbound.on('data', (d) => { if (!frozen) outbound.write(d); });
    outbound.on('data', (d) => { if (!frozen) inbound.write(d); });
    inbound.on('error', () => undefined);
    outbound.on('error', () => undefined);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    cut: () => sockets.forEach((s) => s.destroy()),
    freeze: () => { frozen = true; },
    close: () => { sockets.forEach((s) => s.destroy()); server.close(); },
  };
}

/** Reads a stream to its end: 'done', or the code it failed with. */
async function endOf(stream: AsyncIterator<unknown>): Promise<string> {
  try {
    for (;;) if ((await stream.next()).done) return 'done';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('ws failures', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('a socket dying mid-call fails the call with UNAVAILABLE, and the client connects again', async () => {
    const proxy = await proxyTo(h.server.port!);
    try {
      const client = h.client({ url: proxy.url });
      const pending = client.unary(call('hold', { key: 'cut' }));
      const stream = client.stream(call('count', { count: 1_000_000 }))[Symbol.asyncIterator]();
      await stream.next();
      await until(() => h.state.held.has('cut'));
      proxy.cut();
      expect((await rejection(pending)).code).toBe('UNAVAILABLE');
      expect(await endOf(stream)).toBe('UNAVAILABLE');
      await until(() => h.state.aborted.includes('UNAVAILABLE'));
      expect(await client.unary(call('echo', { n: 5 }))).toEqual({ n: 5 });
    } finally {
      proxy.close();
    }
  });

  it('a server that stops answering (no FIN) is detected by the client heartbeat: UNAVAILABLE', async () => {
    const proxy = await proxyTo(h.server.port!);
    try {
      const client = h.client({ url: proxy.url, heartbeatIntervalMs: 100 });
      await client.connect();
      const started = Date.now();
      proxy.freeze();
      const error = await rejection(client.unary(call('echo', { n: 1 })));
      expect(error.code).toBe('UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      proxy.close();
    }
  });

  it('ServiceClient retries an idempotent call that hit a dropped connection', async () => {
    const proxy = await proxyTo(h.server.port!);
    try {
      const transport = h.client({ url: proxy.url });
      const math = new MathV1Client(transport);
      await transport.connect();
      proxy.cut();
      expect(await math.add({ a: 2, b: 2 })).toEqual({ sum: 4 });
    } finally {
      proxy.close();
    }
  });

  it('the server heartbeat closes a peer that stops answering pings', async () => {
    const own = await startHarness({ heartbeatIntervalMs: 50 });
    try {
      const peer = await rawPeer(own.url, { autoPong: false });
      const closed = await peer.closed;
      expect(closed.code).toBe(1006);
      await until(() => own.server.stats().connections === 0);
    } finally {
      await own.close();
    }
  });

  it('the idle timeout closes a connection with nothing in flight', async () => {
    const own = await startHarness({ idleTimeoutMs: 100 });
    try {
      const peer = await rawPeer(own.url);
      const closed = await peer.closed;
      expect(closed.code).toBe(1000);
      expect(closed.reason).toContain('idle');
    } finally {
      await own.close();
    }
  });

  it('stopping the server fails calls past the grace period with UNAVAILABLE, not a hang', async () => {
    const own = await startHarness();
    const client = own.client();
    const pending = rejection(client.unary(call('hold', { key: 'stop' })));
    await until(() => own.state.held.has('stop'));
    const started = Date.now();
    await own.server.stop({ graceMs: 100 });
    const error = await pending;
    expect(error.code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(2_000);
    await client.close();
  });

  it('a graceful stop lets in-flight calls finish within the grace period', async () => {
    const own = await startHarness();
    const client = own.client();
    const pending = client.unary(call('echo', { n: 7, delayMs: 150 }));
    await until(() => own.state.active === 1);
    await own.server.stop({ graceMs: 2_000 });
    expect(await pending).toEqual({ n: 7 });
    expect((await rejection(client.unary(call('echo', { n: 8 })))).code).toBe('UNAVAILABLE');
    await client.close();
  });

  it('past maxConnections new connections are refused; existing ones keep working', async () => {
    const own = await startHarness({ maxConnections: 2 });
    try {
      const a = own.client();
      const b = own.client();
      await Promise.all([a.connect(), b.connect()]);
      const c = own.client();
      expect((await rejection(c.unary(call('echo', { n: 1 })))).code).toBe('UNAVAILABLE');
      expect(await a.unary(call('echo', { n: 2 }))).toEqual({ n: 2 });
    } finally {
      await own.close();
    }
  });

  it('malformed handshakes do not use up connection slots', async () => {
    const own = await startHarness({ maxConnections: 2 });
    try {
      const port = Number(new URL(own.url).port);
      // No Sec-WebSocket-Key: ws answers 400 and ends the socket without calling back.
      const badHandshake = () => new Promise<string>((resolve) => {
        const socket = createConnection({ port, host: '127.0.0.1' }, () => {
          socket.write(`GET ${new URL(own.url).pathname} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        });
        let reply = '';
        socket.on('data', (d) => (reply += d));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(reply.split('\r\n')[0]));
      });
      for (let i = 0; i < 4; i++) expect(await badHandshake()).toMatch(/^HTTP\/1\.1 400/);
      const a = own.client();
      const b = own.client();
      expect(await a.unary(call('echo', { n: 1 }))).toEqual({ n: 1 });
      expect(await b.unary(call('echo', { n: 2 }))).toEqual({ n: 2 });
    } finally {
      await own.close();
    }
  });

  it('with `origins` set, a browser page from another origin is refused', async () => {
    const own = await startHarness({ origins: ['http://app.example'] });
    try {
      const open = (origin: string) => new Promise<string>((resolve) => {
        const socket = new WebSocket(own.url, { origin });
        socket.on('open', () => { socket.close(); resolve('open'); });
        socket.on('error', (error) => resolve(error.message));
      });
      expect(await open('http://app.example')).toBe('open');
      expect(await open('http://evil.example')).toContain('403');
    } finally {
      await own.close();
    }
  });

  it('a client for a server that is not there fails with UNAVAILABLE', async () => {
    const probe = wsTransport({ port: 0 });
    await probe.start(h.dispatcher);
    const url = probe.url!;
    await probe.stop({ graceMs: 0 });
    const client = wsClient({ url, connectTimeoutMs: 2_000 });
    expect((await rejection(client.unary(call('echo', { n: 1 })))).code).toBe('UNAVAILABLE');
    await client.close();
  });
});
