/** Codecs, limits, malformed bodies, the server's own pages, and graceful drain. */
import { readFileSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccordError } from 'accord-rpc/core';
import { httpClient } from 'accord-rpc/http';
import { call, json, startHttp, type Harness } from './harness.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const msgpack = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/msgpack', accept: 'application/msgpack', ...headers },
  body: new Uint8Array(packr.pack(body)),
});
const fileKey = { 'x-api-key': 'file-key' };

let h: Harness;
beforeAll(async () => {
  h = await startHttp({ bodyLimitBytes: 64 * 1024, openapiFile: 'generated/openapi.json' });
});
afterAll(async () => {
  await h?.stop();
});

describe('MessagePack', () => {
  it('binary fields travel raw both ways, no base64', async () => {
    const content = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    const res = await fetch(`${h.url}/rpc/files/upload`, msgpack({ name: 'a.bin', content }, fileKey));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/msgpack');
    const stored = packr.unpack(Buffer.from(await res.arrayBuffer())) as { id: string; size: number };
    expect(stored.size).toBe(1000);

    const stream = await fetch(`${h.url}/rpc/files/download`, msgpack({ id: stored.id, chunkSize: 600 }));
    expect(stream.headers.get('content-type')).toBe('application/vnd.accord.msgpack-stream');
    const bytes = Buffer.from(await stream.arrayBuffer());
    const frames: Array<{ event: string; data?: { offset: number; chunk: Uint8Array } }> = [];
    for (let at = 0; at < bytes.length; ) {
      const length = bytes.readUInt32BE(at);
      frames.push(packr.unpack(bytes.subarray(at + 4, at + 4 + length)));
      at += 4 + length;
    }
    expect(frames.map((f) => f.event)).toEqual(['item', 'item', 'end']);
    expect(frames[0].data!.chunk).toBeInstanceOf(Uint8Array);
    expect(Buffer.concat([frames[0].data!.chunk, frames[1].data!.chunk]).equals(content)).toBe(true);
  });

  it('JSON carries the same bytes as base64', async () => {
    const content = Buffer.from('hello, bytes');
    const res = await call(`${h.url}/rpc/files/upload`, json({ name: 'b.txt', content: content.toString('base64') }, fileKey));
    expect(res).toMatchObject({ status: 200, body: { size: content.length } });
    const sse = await call(`${h.url}/rpc/files/download`, json({ id: res.body.id }));
    const item = JSON.parse(/data: (.*)\n/.exec(sse.body)![1]);
    expect(Buffer.from(item.chunk, 'base64').equals(content)).toBe(true);
  });

  it('errors come back in MessagePack too when asked for', async () => {
    const res = await fetch(`${h.url}/rpc/math/divide`, msgpack({ a: 3, b: 0 }));
    expect(res.status).toBe(422);
    expect(packr.unpack(Buffer.from(await res.arrayBuffer()))).toEqual({ code: 'DIVISION_BY_ZERO', message: 'cannot divide by zero', data: { dividend: 3 } });
  });
});

describe('limits and malformed requests', () => {
  it('a body over the limit is 413 PAYLOAD_TOO_LARGE, for fetch and for the client', async () => {
    const big = { name: 'big', content: 'A'.repeat(100 * 1024) };
    const res = await call(`${h.url}/rpc/files/upload`, json(big, fileKey));
    expect(res).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(res.body.message).toContain('65536');
    const client = httpClient({ url: h.url, codec: 'msgpack' });
    const error = await client.unary({ service: 'files', version: 1, method: 'upload', input: { name: 'x', content: new Uint8Array(100 * 1024) }, metadata: fileKey, idempotent: false }).catch((e: unknown) => e as AccordError);
    expect(error).toBeInstanceOf(AccordError);
    expect((error as AccordError).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('malformed JSON is a 400 naming the problem, and the server keeps serving', async () => {
    const res = await call(`${h.url}/rpc/math/add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a": 1,' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('PROTOCOL_ERROR');
    expect(res.body.message).toMatch(/^malformed JSON body: /);
    expect(await call(`${h.url}/rpc/math/add`, json({ a: 1, b: 2 }))).toMatchObject({ status: 200, body: { sum: 3 } });
  });

  it('a JSON body with a __proto__ key is refused', async () => {
    const res = await call(`${h.url}/rpc/math/add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1,"b":2,"x":{"__proto__":{"polluted":true}}}' });
    expect(res).toMatchObject({ status: 400, body: { code: 'PROTOCOL_ERROR' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const harmless = await call(`${h.url}/rpc/math/add`, json({ a: 1, b: 2, note: 'mentions "__proto__" in a string' }));
    expect(harmless).toMatchObject({ status: 200, body: { sum: 3 } });
  });

  it('malformed MessagePack is a 400 naming the problem, and the server keeps serving', async () => {
    const res = await fetch(`${h.url}/rpc/math/add`, { method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: new Uint8Array([0x82, 0xa1, 0x61]) });
    expect(res.status).toBe(400);
    const body = packr.unpack(Buffer.from(await res.arrayBuffer()));
    expect(body.code).toBe('PROTOCOL_ERROR');
    expect(body.message).toMatch(/^malformed MessagePack body: /);
    const ok = await fetch(`${h.url}/rpc/math/add`, msgpack({ a: 2, b: 2 }));
    expect(packr.unpack(Buffer.from(await ok.arrayBuffer()))).toEqual({ sum: 4 });
  });

  it('an unsupported content type is refused with what to send; a missing one is read as JSON', async () => {
    const form = await call(`${h.url}/rpc/math/add`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=2' });
    expect(form).toMatchObject({ status: 400, body: { code: 'PROTOCOL_ERROR' } });
    expect(form.body.message).toContain('application/json');
    const plain = await call(`${h.url}/rpc/math/add`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"a":1,"b":2}' });
    expect(plain).toMatchObject({ status: 200, body: { sum: 3 } });
  });
});

describe("the server's own pages", () => {
  it('/openapi.json serves the generated document', async () => {
    const res = await call(`${h.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(readFileSync('generated/openapi.json', 'utf8')));
  });

  it('/asyncapi.json serves the generated AsyncAPI document', async () => {
    const res = await call(`${h.url}/asyncapi.json`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(readFileSync('generated/asyncapi.json', 'utf8')));
  });

  it('with configured public servers, both documents list them instead of the generated relative ones', async () => {
    const server = await startHttp({ servers: [{ url: 'https://api.example.com', description: 'production' }] });
    try {
      const openapi = await call(`${server.url}/openapi.json`);
      expect(openapi.body.servers).toEqual([{ url: 'https://api.example.com', description: 'production' }]);
      const asyncapi = await call(`${server.url}/asyncapi.json`);
      expect(asyncapi.body.servers.ws.variables.host.default).toBe('api.example.com');
      expect(asyncapi.body.channels).toEqual(JSON.parse(readFileSync('generated/asyncapi.json', 'utf8')).channels);
    } finally {
      await server.stop();
    }
  });

  it('/docs is the API reference, from local files', async () => {
    const page = await call(`${h.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain("url: '/openapi.json'");
    expect(page.body).not.toMatch(/https?:\/\//);
    const bundle = await fetch(`${h.url}/docs/assets/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    expect((await call(`${h.url}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('/healthz and /readyz', async () => {
    expect(await call(`${h.url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call(`${h.url}/readyz`)).toMatchObject({ status: 200, body: { status: 'ready' } });
  });
});

describe('graceful stop', () => {
  it('lets an in-flight stream finish, answers readyz 503 and new calls 503 meanwhile, then closes', async () => {
    const d = await startHttp();
    const stream = fetch(`${d.url}/rpc/ticker/watch`, json({ symbol: 'ACME', count: 4, intervalMs: 150 })).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 100));
    const stopped = d.stop(5_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(await call(`${d.url}/readyz`)).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
    expect(await call(`${d.url}/healthz`)).toMatchObject({ status: 200 });
    expect(await call(`${d.url}/rpc/math/add`, json({ a: 1, b: 1 }))).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
    const body = await stream;
    expect(body.match(/event: item/g)).toHaveLength(4);
    expect(body.endsWith('event: end\ndata: {}\n\n')).toBe(true);
    await stopped;
    await expect(fetch(`${d.url}/healthz`)).rejects.toThrow();
  });

  it('cuts calls still running after the grace period: UNAVAILABLE, and the handler is aborted', async () => {
    const d = await startHttp();
    const slow = call(`${d.url}/rpc/users/get`, json({ id: 'slow' }));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await d.stop(200);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await slow).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
    expect(d.probe.slowAborted).toHaveLength(1); // aborted (the reason: UNAVAILABLE or CANCELLED)
  });

  it('past maxInFlight new calls get 429 RESOURCE_EXHAUSTED at once, and calls in flight are unaffected', async () => {
    const d = await startHttp({ maxInFlight: 2 });
    const slow = [call(`${d.url}/rpc/users/get`, json({ id: 'slow' })), call(`${d.url}/rpc/users/get`, json({ id: 'slow' }))];
    await new Promise((r) => setTimeout(r, 100));
    expect(await call(`${d.url}/rpc/math/add`, json({ a: 1, b: 2 }))).toMatchObject({ status: 429, body: { code: 'RESOURCE_EXHAUSTED' } });
    await d.stop(50);
    for (const outcome of await Promise.all(slow)) expect(outcome).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
  });
});

describe('CORS (opt-in)', () => {
  it('answers preflights and marks responses, streams included, for allowed origins only', async () => {
    const c = await startHttp({ cors: { origins: ['https://app.example'] } });
    try {
      const preflight = await fetch(`${c.url}/rpc/math/add`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, accord-timeout' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type, accord-timeout');
      const ok = await fetch(`${c.url}/rpc/math/add`, json({ a: 1, b: 2 }, { origin: 'https://app.example' }));
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
      const sse = await fetch(`${c.url}/rpc/ticker/watch`, json({ symbol: 'ACME', count: 1, intervalMs: 0 }, { origin: 'https://app.example' }));
      expect(sse.headers.get('access-control-allow-origin')).toBe('https://app.example');
      await sse.text();
      const other = await fetch(`${c.url}/rpc/math/add`, json({ a: 1, b: 2 }, { origin: 'https://evil.example' }));
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      // Without the option there is no CORS at all.
      const plain = await fetch(`${h.url}/rpc/math/add`, json({ a: 1, b: 2 }, { origin: 'https://app.example' }));
      expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await c.stop();
    }
  });
});

describe('request timeout', () => {
  it('a client that never finishes sending its request gets 408 and the connection is closed', async () => {
    const { connect } = await import('node:net');
    const t = await startHttp({ requestTimeoutMs: 300 });
    try {
      const { port } = new URL(t.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.write('POST /rpc/math/add HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":');
      let received = '';
      socket.on('data', (d) => (received += d));
      const started = Date.now();
      await new Promise<void>((resolve) => socket.on('close', () => resolve()));
      expect(received).toMatch(/^HTTP\/1.1 408/);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await call(`${t.url}/rpc/math/add`, json({ a: 1, b: 1 }))).toMatchObject({ status: 200 });
    } finally {
      await t.stop();
    }
  });
});

describe('stream backpressure', () => {
  it('a reader that stops reading stops the generator; reading on resumes it', async () => {
    const b = await startHttp({ bodyLimitBytes: 64 * 1024 * 1024 });
    try {
      const chunks = 32;
      const content = Buffer.alloc(chunks * 1024 * 1024, 7);
      const upload = await fetch(`${b.url}/rpc/files/upload`, msgpack({ name: 'big', content }, fileKey));
      const { id } = packr.unpack(Buffer.from(await upload.arrayBuffer())) as { id: string };
      const res = await fetch(`${b.url}/rpc/files/download`, msgpack({ id, chunkSize: 1024 * 1024 }));
      const reader = res.body!.getReader();
      let received = (await reader.read()).value!.length;
      await new Promise((r) => setTimeout(r, 400));
      const producedWhilePaused = b.probe.downloadYielded;
      // Socket buffers hold a few MiB; everything else must wait for the reader.
      expect(producedWhilePaused).toBeLessThan(chunks / 2);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
      expect(b.probe.downloadYielded).toBe(chunks);
      expect(received).toBeGreaterThan(chunks * 1024 * 1024); // the bytes plus framing
    } finally {
      await b.stop();
    }
  });
});

describe('as part of a server (runtime/testing)', () => {
  it('serves through createServer, and /readyz reports the server state', async () => {
    const { startTestServer } = await import('accord-rpc/testing');
    const { conformanceServices, createProbe } = await import('../conformance/handlers.js');
    const server = await startTestServer({ services: conformanceServices(createProbe()), transports: ['http'] });
    try {
      const url = server.urls.http;
      expect(await call(`${url}/rpc/math/add`, json({ a: 1, b: 2 }))).toMatchObject({ status: 200, body: { sum: 3 } });
      const ready = await call(`${url}/readyz`);
      expect(ready).toMatchObject({ status: 200, body: { status: 'ready', state: 'ready' } });
      expect(ready.body.services).toContain('math.v1');
      expect(await call(`${url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    } finally {
      await server.stop();
    }
  });

  it('a port in use fails start() with the reason', async () => {
    const { httpTransport } = await import('accord-rpc/http');
    const { Dispatcher } = await import('accord-rpc/core');
    const transport = httpTransport({ port: Number(new URL(h.url).port) });
    const dispatcher = new Dispatcher({ services: [] });
    await expect(transport.start(dispatcher)).rejects.toThrow(/EADDRINUSE/);
    expect(() => transport.url).toThrow(/not started/);
  });
});

describe('configure', () => {
  it('adds routes of your own before the server listens', async () => {
    const c = await startHttp({ configure: (app) => void app.get('/metrics', async () => 'up 1\n') });
    try {
      expect(await call(`${c.url}/metrics`)).toMatchObject({ status: 200, body: 'up 1\n' });
    } finally {
      await c.stop();
    }
  });
});
