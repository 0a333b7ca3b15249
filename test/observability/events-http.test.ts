/**
 * Events over HTTP (Server-Sent Events at /events/...): the generated client's `on()` over the
 * HTTP client transport, heartbeat comments, auth from the event's contract, unknown events, and the
 * error message that ends every stream when the server drains.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../../generated/index.js';
import { httpClient } from 'accord-rpc/http';
import { startTestServer, type TestServer } from 'accord-rpc/testing';
import { OpsClient } from './fixtures/clients.js';

const authenticate = ({ token }: { token: string }) => (token === 'good' ? { subject: 'tester' } : null);

/** Reads an event stream's text until `until` matches it (or the stream ends), within 5 s. */
async function readUntil(response: Response, until: RegExp): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 5_000;
  try {
    while (!until.test(text) && Date.now() < deadline) {
      const { done, value } = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out; got: ${text}`)), deadline - Date.now()))]);
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return text;
}

describe('events over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      services: ['examples/handlers/ticker.ts', 'test/observability/fixtures/ops-handlers.ts'],
      transports: { http: { events: { heartbeatMs: 50 } } },
      config: { authenticate },
    });
  });

  afterAll(() => server?.stop());

  it('the generated client’s on() receives a service’s events over the HTTP client transport', async () => {
    const transport = httpClient({ url: server.urls.http! });
    const api = createClients(transport);
    const alerts: unknown[] = [];
    const off = api.ticker.on('alert', (alert) => alerts.push(alert));
    try {
      await expect.poll(() => server.dispatcher.events.listenerCount('ticker', 1, 'alert'), { timeout: 5_000 }).toBe(1);
      await api.ticker.publish({ symbol: 'ACME', price: 10, threshold: 20 });
      await api.ticker.publish({ symbol: 'ACME', price: 25 });
      await expect.poll(() => alerts, { timeout: 5_000 }).toEqual([{ symbol: 'ACME', price: 25, threshold: 20, direction: 'up' }]);
    } finally {
      off();
    }
    await expect.poll(() => server.dispatcher.events.listenerCount('ticker', 1, 'alert'), { timeout: 5_000 }).toBe(0);
  });

  it('sends heartbeat comments, and one `data:` message per event', async () => {
    const response = await fetch(`${server.urls.http}/events/ops/v1/pinged`);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const emitted = setInterval(() => server.dispatcher.emit('ops', 1, 'pinged', { n: 7 }), 20);
    try {
      const text = await readUntil(response, /(: \u2665\n\n[\s\S]*){2}/);
      expect(text).toMatch(/^: subscribed ops\.v1 pinged\n/);
      expect(text).toContain('data: {"n":7}\n\n');
    } finally {
      clearInterval(emitted);
    }
  });

  it('checks the event’s auth requirement: 401 without credentials, a stream with them; 501 for an unknown event', async () => {
    const refused = await fetch(`${server.urls.http}/events/ops/v1/secret`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const badToken = await fetch(`${server.urls.http}/events/ops/v1/secret`, { headers: { authorization: 'Bearer bad' } });
    expect(badToken.status).toBe(401);
    const accepted = await fetch(`${server.urls.http}/events/ops/v1/secret`, { headers: { authorization: 'Bearer good' } });
    expect(accepted.status).toBe(200);
    await accepted.body?.cancel();
    const unknown = await fetch(`${server.urls.http}/events/ops/v1/nosuch`);
    expect(unknown.status).toBe(501);
    expect(await unknown.json()).toMatchObject({ code: 'UNIMPLEMENTED' });
    const errors: string[] = [];
    const off = new OpsClient(httpClient({ url: server.urls.http!, onError: (error) => errors.push(error.code) })).on('secret', () => undefined);
    await expect.poll(() => errors, { timeout: 5_000 }).toEqual(['UNAUTHENTICATED']);
    off();
  });
});

describe('event streams when the server drains', () => {
  it('end with an UNAVAILABLE error message', async () => {
    const server = await startTestServer({ services: ['test/observability/fixtures/ops-handlers.ts'], transports: ['http'] });
    const response = await fetch(`${server.urls.http}/events/ops/pinged`);
    const reading = readUntil(response, /event: error\n/);
    await expect.poll(() => server.dispatcher.events.listenerCount('ops', 1, 'pinged'), { timeout: 5_000 }).toBe(1);
    await server.stop();
    const text = await reading;
    expect(text).toMatch(/event: error\ndata: \{"code":"UNAVAILABLE","message":"[^"]*shutting down/);
  });
});
