/**
 * The HTTP transport under hostile requests (support/http-cases.ts), seeded: a short run here, the
 * full one with `npm run fuzz`. Replay a failing run with FUZZ_SEED=<seed> (and FUZZ_RUNS=<n>).
 * Below it, the regressions fuzzing found, each pinned by the smallest request that showed it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp, type Harness } from '../http/harness.js';
import { shortFuzz } from './support/fuzz-setups.js';
import { decodeErrorBody } from './support/clear-errors.js';
import { exchange, requestBytes } from './support/raw-http.js';

describe('HTTP under hostile requests', () => {
  it('answers each with a clear error or a close, never crashes or hangs, and keeps serving well-behaved clients', async () => {
    const report = await shortFuzz('http', 300);
    expect(report.failure ?? 'none').toBe('none');
  }, 60_000);
});

describe('HTTP regressions found by fuzzing', () => {
  let http: Harness;
  let port: number;
  beforeAll(async () => {
    http = await startHttp({ events: { maxStreams: 1 } });
    port = Number(new URL(http.url).port);
  });
  afterAll(() => http.stop());

  const send = (method: string, path: string, headers: Array<[string, string]>, body?: string) => exchange(port, requestBytes(method, path, headers, body === undefined ? undefined : Buffer.from(body)), 5_000);

  it('refuses a "__proto__" string beside JSON nested deeper than the stack with 400, not 500', async () => {
    // The prototype-key scan used to recurse: 200,000 levels overflowed it, and the parse failure became INTERNAL.
    const depth = 200_000;
    const body = `{"b":"__proto__","a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const { response } = await send('POST', '/rpc/math/v1/add', [['content-type', 'application/json']], body);
    expect(response?.status).toBe(400);
    expect(JSON.parse(response!.body.toString()).code).toBe('INVALID_ARGUMENT');
  });

  it('still refuses a "__proto__" key however deep it is nested', async () => {
    const body = `{"a":1,"b":${'['.repeat(50_000)}{"__proto__":{}}${']'.repeat(50_000)}}`;
    const { response } = await send('POST', '/rpc/math/v1/add', [['content-type', 'application/json']], body);
    expect(response?.status).toBe(400);
    expect(JSON.parse(response!.body.toString())).toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.stringContaining('__proto__') });
  });

  it('says a MessagePack body is nested too deeply rather than quoting a stack overflow', async () => {
    const deep = Buffer.concat([Buffer.from([0x82, 0xa1, 0x61, 1, 0xa1, 0x62]), Buffer.alloc(200_000, 0x91), Buffer.from([0xc0])]);
    const { response } = await exchange(port, requestBytes('POST', '/rpc/math/v1/add', [['content-type', 'application/msgpack']], deep), 5_000);
    expect(response?.status).toBe(400);
    expect(decodeErrorBody(response!.headers['content-type'], response!.body)).toMatchObject({ code: 'PROTOCOL_ERROR', message: 'malformed MessagePack body: it is nested too deeply' });
  });

  it('answers HEAD on an event stream at once, without holding a stream', async () => {
    // HEAD used to open the stream: Node never sends the headers of a body-less response that stays
    // open, so the client waited forever while the stream held one of the server's slots (maxStreams: 1 here).
    const { response, timedOut } = await send('HEAD', '/events/ticker/v1/alert', []);
    expect(timedOut).toBe(false);
    expect(response?.status).toBe(200);
    expect(response?.headers['content-type']).toContain('text/event-stream');
    const controller = new AbortController();
    const stream = await fetch(`${http.url}/events/ticker/v1/alert`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    controller.abort();
  });

  it("gives Node's own refusals (headers too large, malformed request line) Accord's error body", async () => {
    const tooLarge = await exchange(port, Buffer.from(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(70_000)}\r\n\r\n`), 5_000);
    expect(tooLarge.response?.status).toBe(431);
    expect(JSON.parse(tooLarge.response!.body.toString())).toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.any(String) });
    const malformed = await exchange(port, Buffer.from('GET  HTTP/1.1\r\n\r\n'), 5_000);
    expect(malformed.response?.status).toBe(400);
    expect(JSON.parse(malformed.response!.body.toString())).toMatchObject({ code: 'PROTOCOL_ERROR' });
  });
});
