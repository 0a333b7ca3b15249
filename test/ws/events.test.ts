/** Event subscriptions: fan-out, unsubscribe, unknown events, resubscription after a reconnect, and events with an auth requirement. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { event, service } from 'accord-rpc/contract';
import { bindService, Dispatcher, type Authenticate } from 'accord-rpc/core';
import { TickerV1Client } from '../../generated/ticker/client.js';
import { wsClient, wsTransport, type WsServerTransport } from 'accord-rpc/ws';
import { call, rawPeer, startHarness, until, type Harness } from './fixture.js';

const noted = { service: 'probe', version: 1, event: 'noted' };

describe('ws events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('an event reaches all 50 subscribed connections, once each', async () => {
    const received: string[][] = [];
    const clients = Array.from({ length: 50 }, (_, i) => {
      const client = h.client({ codec: i % 2 ? 'msgpack' : 'json' });
      received[i] = [];
      client.subscribe(noted, (data) => received[i]!.push((data as { text: string }).text));
      return client;
    });
    await Promise.all(clients.map((c) => c.ready()));
    expect(h.server.stats().connections).toBeGreaterThanOrEqual(50);
    await clients[0]!.unary(call('note', { text: 'hello all' }));
    await until(() => received.every((r) => r.length === 1));
    expect(received.every((r) => r[0] === 'hello all')).toBe(true);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('on() of a generated client delivers typed events; unsubscribing stops them', async () => {
    const transport = h.client();
    const ticker = new TickerV1Client(transport);
    const alerts: unknown[] = [];
    const off = ticker.on('alert', (alert) => alerts.push(alert));
    await transport.ready();
    h.dispatcher.emit('ticker', 1, 'alert', { symbol: 'ACME', price: 12, threshold: 10, direction: 'up' });
    await until(() => alerts.length === 1);
    expect(alerts[0]).toMatchObject({ symbol: 'ACME', price: 12, threshold: 10, direction: 'up' });
    off();
    h.dispatcher.emit('ticker', 1, 'alert', { symbol: 'BETA', price: 12, threshold: 10, direction: 'up' });
    await ticker.publish({ symbol: 'BETA', price: 1 }); // a round trip: anything emitted before it has arrived
    await new Promise((r) => setTimeout(r, 20));
    expect(alerts).toHaveLength(1);
  });

  it('subscribing to an unknown event reports UNIMPLEMENTED through onError', async () => {
    const errors: string[] = [];
    const client = h.client({ onError: (error) => errors.push(error.code) });
    client.subscribe({ service: 'probe', version: 1, event: 'nope' }, () => undefined);
    await client.ready();
    expect(errors).toEqual(['UNIMPLEMENTED']);
  });

  it('a connection that stops reading events is cut off as a slow consumer; others keep theirs', async () => {
    const own = await startHarness({ maxEventBufferBytes: 256 * 1024 });
    try {
      const healthy: string[] = [];
      const good = own.client();
      good.subscribe(noted, (data) => healthy.push((data as { text: string }).text.slice(0, 1)));
      await good.ready();
      const peer = await rawPeer(own.url);
      peer.send({ type: 'subscribe', id: 1, service: 'probe', version: 1, event: 'noted' });
      await until(() => peer.frames.some((f) => f.type === 'subscribed'));
      peer.socket.pause();
      const text = 'e'.repeat(64 * 1024);
      let sent = 0;
      const peerOpen = () => own.server.stats().perConnection.filter((c) => c.state === 'open').length === 2;
      while (peerOpen() && sent < 2_000) {
        own.dispatcher.emit('probe', 1, 'noted', { text });
        sent++;
        await new Promise((r) => setImmediate(r));
      }
      expect(sent).toBeLessThan(2_000);
      await until(() => own.server.stats().connections === 1); // cut off: it does not answer the close
      await until(() => healthy.length === sent);
      peer.socket.terminate();
    } finally {
      await own.close();
    }
  });

  it('after the server restarts, the client reconnects with backoff and resubscribes', async () => {
    const own = await startHarness();
    const port = own.server.port!;
    const events: string[] = [];
    const client = own.client({ reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    client.subscribe(noted, (data) => events.push((data as { text: string }).text));
    await client.ready();
    await client.unary(call('note', { text: 'before' }));
    await until(() => events.length === 1);

    await own.server.stop({ graceMs: 10 });
    expect(client.connected).toBe(false);
    const again = wsTransport({ port });
    await again.start(own.dispatcher);
    try {
      await until(() => client.connected && again.stats().perConnection.some((c) => c.subscriptions === 1), 5_000);
      own.dispatcher.emit('probe', 1, 'noted', { text: 'after' });
      await until(() => events.length === 2);
      expect(events).toEqual(['before', 'after']);
    } finally {
      await client.close();
      await again.stop({ graceMs: 10 });
    }
  });
});

describe('ws events with an auth requirement', () => {
  const guarded = service({
    name: 'guarded',
    version: 1,
    securitySchemes: { bearer: { type: 'bearer' } },
    methods: {},
    events: { audit: event({ data: z.object({ n: z.number() }), auth: { scheme: 'bearer', scopes: ['audit:read'] } }) },
  });
  let server: WsServerTransport;
  let dispatcher: Dispatcher;
  beforeAll(async () => {
    // An async hook, as token checks usually are: the subscription waits for it.
    const authenticate: Authenticate = async ({ token }) => (token === 'auditor' ? { subject: 'auditor', scopes: ['audit:read'] } : token === 'other' ? { subject: 'other', scopes: [] } : null);
    dispatcher = new Dispatcher({ services: [bindService(guarded, {})], authenticate });
    server = wsTransport({ port: 0 });
    await server.start(dispatcher);
  });
  afterAll(() => server.stop({ graceMs: 50 }));

  it('refuses a subscriber without credentials (UNAUTHENTICATED) or without the scope (PERMISSION_DENIED), and delivers to one with both', async () => {
    const spec = { service: 'guarded', version: 1, event: 'audit' };
    const errors: Record<string, string[]> = { none: [], other: [], auditor: [] };
    const received: unknown[] = [];
    const clients = (['none', 'other', 'auditor'] as const).map((who) => {
      const client = wsClient({ url: server.url!, metadata: who === 'none' ? {} : { authorization: `Bearer ${who}` }, onError: (error) => errors[who]!.push(error.code) });
      client.subscribe(spec, (data) => (who === 'auditor' ? received.push(data) : errors[who]!.push('DELIVERED')));
      return client;
    });
    await Promise.all(clients.map((c) => c.ready()));
    dispatcher.emit('guarded', 1, 'audit', { n: 1 });
    await until(() => received.length === 1);
    expect(errors).toEqual({ none: ['UNAUTHENTICATED'], other: ['PERMISSION_DENIED'], auditor: [] });
    await Promise.all(clients.map((c) => c.close()));
  });
});
