/** httpClient on its own: what it sends, and how it maps what comes back (a stub fetch, no server). */
import { describe, expect, it } from 'vitest';
import { AccordError } from 'accord-rpc/core';
import { httpClient } from 'accord-rpc/http/client';
import { createClients } from '../../generated/index.js';

type Seen = { url: string; init: RequestInit };

function stubFetch(respond: (seen: Seen, attempt: number) => Response | Promise<Response>): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const s = { url: String(input), init: init ?? {} };
    seen.push(s);
    return respond(s, seen.length);
  }) as typeof fetch;
  return { fetch: fetchImpl, seen };
}

const call = { service: 'math', version: 1, method: 'add', input: { a: 1, b: 2 }, metadata: {}, idempotent: true };

async function failure(promise: Promise<unknown>): Promise<AccordError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AccordError);
  return error as AccordError;
}

describe('httpClient', () => {
  it('posts to /rpc/<service>/v<N>/<method> with the deadline, metadata and codec headers', async () => {
    const stub = stubFetch(() => Response.json({ sum: 3 }));
    const client = httpClient({ url: 'http://api.test/base/', fetch: stub.fetch, metadata: { 'X-App': 'demo' } });
    const result = await client.unary({ ...call, deadline: Date.now() + 5_000, metadata: { traceparent: 't' } });
    expect(result).toEqual({ sum: 3 });
    const [{ url, init }] = stub.seen;
    expect(url).toBe('http://api.test/base/rpc/math/v1/add');
    expect(init.method).toBe('POST');
    const headers = init.headers as Record<string, string>;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-app']).toBe('demo');
    expect(headers.traceparent).toBe('t');
    expect(Number(headers['accord-timeout'])).toBeGreaterThan(4_000);
    expect(Number(headers['accord-timeout'])).toBeLessThanOrEqual(5_000);
  });

  it('maps error bodies, and bare statuses by codeOfHttpStatus', async () => {
    const typed = httpClient({ url: 'http://x', fetch: stubFetch(() => Response.json({ code: 'DIVISION_BY_ZERO', message: 'no', data: { dividend: 1 } }, { status: 422 })).fetch });
    const error = await failure(typed.unary(call));
    expect(error.toWire()).toEqual({ code: 'DIVISION_BY_ZERO', message: 'no', data: { dividend: 1 } });
    const cases: Array<[number, string]> = [[502, 'UNAVAILABLE'], [413, 'PAYLOAD_TOO_LARGE'], [429, 'RESOURCE_EXHAUSTED'], [504, 'DEADLINE_EXCEEDED'], [500, 'INTERNAL']];
    for (const [status, code] of cases) {
      const bare = httpClient({ url: 'http://x', fetch: stubFetch(() => new Response('<html>proxy error</html>', { status, headers: { 'content-type': 'text/html' } })).fetch });
      expect((await failure(bare.unary(call))).code).toBe(code);
    }
  });

  it('a network failure is UNAVAILABLE, which generated clients retry for idempotent methods only', async () => {
    const flaky = stubFetch((_, attempt) => {
      if (attempt === 1) throw new TypeError('fetch failed');
      return Response.json({ sum: 3 });
    });
    const api = createClients(httpClient({ url: 'http://x', fetch: flaky.fetch }), { retry: { retries: 2, initialDelayMs: 1 } });
    expect(await api.math.add({ a: 1, b: 2 })).toEqual({ sum: 3 });
    expect(flaky.seen).toHaveLength(2);

    const down = stubFetch(() => {
      throw new TypeError('fetch failed');
    });
    const api2 = createClients(httpClient({ url: 'http://x', fetch: down.fetch }), { retry: { retries: 2, initialDelayMs: 1 }, metadata: { authorization: 'Bearer writer' } });
    const error = await failure(api2.users.create({ givenName: 'a', familyName: 'b', email: 'a@b.co' }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(down.seen).toHaveLength(1); // not idempotent: never retried
  });

  it('a real unreachable server is UNAVAILABLE', async () => {
    const client = httpClient({ url: 'http://127.0.0.1:9' });
    expect((await failure(client.unary({ ...call, idempotent: false }))).code).toBe('UNAVAILABLE');
  });

  it('the deadline aborts the fetch locally: DEADLINE_EXCEEDED; an abort signal: CANCELLED', async () => {
    const hanging = stubFetch(({ init }) => new Promise<Response>((_, reject) => {
      init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    }));
    const client = httpClient({ url: 'http://x', fetch: hanging.fetch });
    expect((await failure(client.unary({ ...call, deadline: Date.now() + 50 }))).code).toBe('DEADLINE_EXCEEDED');
    const controller = new AbortController();
    const pending = client.unary({ ...call, signal: controller.signal });
    controller.abort();
    expect((await failure(pending)).code).toBe('CANCELLED');
    expect((hanging.seen[1].init.signal as AbortSignal).aborted).toBe(true);
    // Already expired or already aborted: no request at all.
    const before = hanging.seen.length;
    expect((await failure(client.unary({ ...call, deadline: Date.now() - 1 }))).code).toBe('DEADLINE_EXCEEDED');
    expect((await failure(client.unary({ ...call, signal: AbortSignal.abort() }))).code).toBe('CANCELLED');
    expect(hanging.seen.length).toBe(before);
  });

  it('parses SSE split at any byte, skips comments, and reports a cut stream as UNAVAILABLE', async () => {
    const text = ': comment\n\nevent: item\ndata: {"n":1}\n\nevent: item\r\ndata: {"n":2}\r\n\r\nevent: end\ndata: {}\n\n';
    const bytes = new TextEncoder().encode(text);
    const sse = (body: Uint8Array, splitEvery: number) => () => new Response(new ReadableStream({
      start(controller) {
        for (let i = 0; i < body.length; i += splitEvery) controller.enqueue(body.slice(i, i + splitEvery));
        controller.close();
      },
    }), { headers: { 'content-type': 'text/event-stream' } });
    for (const split of [1, 3, 1000]) {
      const client = httpClient({ url: 'http://x', fetch: stubFetch(sse(bytes, split)).fetch });
      const items = [];
      for await (const item of client.stream({ ...call, method: 'watch' })) items.push(item);
      expect(items).toEqual([{ n: 1 }, { n: 2 }]);
    }
    const cut = httpClient({ url: 'http://x', fetch: stubFetch(sse(bytes.slice(0, 40), 7)).fetch });
    const error = await failure((async () => {
      for await (const _ of cut.stream({ ...call, method: 'watch' })) void _;
    })());
    expect(error.code).toBe('UNAVAILABLE');
  });
});

describe('httpClient streams from a broken server', () => {
  const sse = (body: string) => stubFetch(() => new Response(body, { headers: { 'content-type': 'text/event-stream' } }));
  const read = async (client: ReturnType<typeof httpClient>) => {
    const items: unknown[] = [];
    for await (const item of client.stream({ ...call, method: 'watch' })) items.push(item);
    return items;
  };

  it('an event whose data is not JSON is a PROTOCOL_ERROR, not a lost connection', async () => {
    const client = httpClient({ url: 'http://api.test', fetch: sse('event: item\ndata: {"n":1}\n\nevent: item\ndata: {not json\n\n').fetch });
    expect((await failure(read(client))).code).toBe('PROTOCOL_ERROR');
  });

  it('a message that never ends is cut at the size limit instead of buffering without bound', async () => {
    const { SseParser } = await import('accord-rpc/http');
    const parser = new SseParser(1_000);
    expect(parser.push(`event: item\ndata: ${'x'.repeat(500)}\n\n`)).toHaveLength(1);
    expect(() => parser.push(`event: item\ndata: ${'x'.repeat(2_000)}`)).toThrow(/over the limit/);
  });
});
