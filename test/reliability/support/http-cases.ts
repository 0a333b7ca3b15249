/**
 * Hostile HTTP requests: well-formed HTTP carrying hostile content (RPC and REST paths, path
 * parameters, query strings, the accord-timeout/hops/visited headers, JSON and MessagePack bodies
 * from hostile-values.ts and hostile-bytes.ts), and malformed HTTP (garbage, requests cut short,
 * lying lengths, bytes no header may hold). A well-formed request must get a response with a clear
 * error; a malformed one a 4xx or a closed connection; neither may hang or crash the server.
 */
import fc from 'fast-check';
import { asWireError, decodeErrorBody, HANDLER_BROKE_CONTRACT } from './clear-errors.js';
import type { Problem, TransportFuzz } from './fuzz-runner.js';
import { deepMsgpack, filler, hostileMsgpackValue, invalidUtf8, lengthBomb, mapWithRawValue, randomBytes, truncated } from './hostile-bytes.js';
import { brokenJsonText, hostileJsonText, hostileKey, hostileNumber, hostileObject, hostileText } from './hostile-values.js';
import { exchange, requestBytes, type RawExchange } from './raw-http.js';

export interface HttpCase {
  /** `request`: well-formed HTTP with hostile content; `raw`: malformed HTTP. */
  kind: 'request' | 'raw';
  bytes: Uint8Array;
  method: string;
}

/** Percent-encodes the UTF-8 of any text, lone surrogates included (encodeURIComponent throws on those). */
function pct(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

const segment = fc.oneof(hostileText.map(pct), fc.constantFrom('%zz', '%E0%A4%A', '%00', '..', '__proto__', 'constructor', 'prototype', 'v0', 'v01', 'v99', 'v1e3', ''));
const service = fc.oneof(fc.constantFrom('math', 'users', 'ticker', 'files', 'probe'), segment);
const methodName = fc.oneof(fc.constantFrom('add', 'divide', 'fib', 'get', 'list', 'create', 'update', 'remove', 'watch', 'publish', 'upload', 'download', 'echo', 'count'), segment);

const rpcPath = fc.tuple(service, fc.option(fc.oneof(fc.constantFrom('v1', 'v2', 'v3'), segment), { nil: undefined }), methodName)
  .map(([s, v, m]) => (v === undefined ? `/rpc/${s}/${m}` : `/rpc/${s}/${v}/${m}`));
const restPath = fc.oneof(
  segment.map((id) => `/v2/users/${id}`),
  segment.map((id) => `/v1/users/${id}`),
  fc.constantFrom('/v1/users', '/v2/users', '/math/divide', '/math/add', '/events/ticker/alert', '/events/ticker/v1/alert', '/openapi.json', '/healthz', '/readyz', '/metrics'),
);
const queryValue = fc.oneof(hostileNumber.map(String), hostileText, fc.constantFrom('true', 'false', 'null', '', '1e999', '-0', '0x10', ' 5 '));
const query = fc.array(fc.tuple(fc.oneof(hostileKey, fc.constantFrom('a', 'b', 'limit', 'cursor', 'nameContains', 'a[b]', 'limit[]')), queryValue), { maxLength: 6 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}`));
const target = fc.tuple(fc.oneof(rpcPath, restPath, segment.map((s) => `/${s}`)), query).map(([path, q]) => path + q);

/** Header values as Node's parser takes them: printable ASCII and obs-text, no CR or LF. */
const headerValue = fc.oneof(
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  hostileNumber.map(String),
  fc.constantFrom('', '-1', 'NaN', '1e309', '0', '0.5', '9007199254740993', ' 10', 'Infinity'),
);
const visited = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom('a', 'node-1', 'x.y:z', ''), headerValue), { maxLength: 70 }).map((ids) => ids.join(',')),
  fc.constant(Array.from({ length: 65 }, (_, i) => `n${i}`).join(',')),
);
const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_!#$%&\'*+.^`|~'.split('')), minLength: 1, maxLength: 16 });
const contentType = fc.constantFrom(
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/msgpack', 'application/x-msgpack',
  'application/vnd.msgpack', 'text/plain', 'text/html', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '', '*/*', 'application/msgpack+json',
);
const headers = fc.record({
  contentType: fc.option(contentType, { nil: undefined }),
  accept: fc.option(fc.constantFrom('application/msgpack', 'application/json', 'text/event-stream', '*/*', 'garbage'), { nil: undefined }),
  timeout: fc.option(headerValue, { nil: undefined }),
  hops: fc.option(headerValue, { nil: undefined }),
  visited: fc.option(visited, { nil: undefined }),
  traceparent: fc.option(headerValue, { nil: undefined }),
  authorization: fc.option(fc.oneof(fc.constantFrom('Bearer reader', 'Bearer writer', 'Bearer ', 'Basic x'), headerValue), { nil: undefined }),
  extra: fc.array(fc.tuple(token, headerValue), { maxLength: 4 }),
}).map((h) => {
  const list: Array<[string, string]> = [];
  const add = (name: string, value: string | undefined) => value !== undefined && list.push([name, value]);
  add('content-type', h.contentType);
  add('accept', h.accept);
  add('accord-timeout', h.timeout);
  add('accord-hops', h.hops);
  add('accord-visited', h.visited);
  add('traceparent', h.traceparent);
  add('authorization', h.authorization);
  for (const [name, value] of h.extra) if (!/^(host|connection|content-length|transfer-encoding|expect|upgrade)$/i.test(name)) list.push([name, value]);
  return list;
});

const text = (s: string) => Buffer.from(s, 'utf8');

function bodies(limit: number): fc.Arbitrary<Uint8Array | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    hostileJsonText.map(text),
    brokenJsonText.map(text),
    hostileObject(['a', 'b', 'n', 'id', 'limit', 'cursor', 'name', 'email', 'content', 'givenName']).map((v) => text(JSON.stringify(v))),
    fc.tuple(hostileJsonText, invalidUtf8).map(([json, bad]) => Buffer.concat([text(json.slice(0, 1)), bad, text(json.slice(1))])),
    hostileMsgpackValue,
    truncated(hostileMsgpackValue),
    fc.tuple(fc.constantFrom('a', 'b', 'content', 'id'), fc.oneof(lengthBomb, deepMsgpack)).map(([key, raw]) => mapWithRawValue({ a: 1, b: 2 }, key, raw)),
    fc.constantFrom(limit + 1, limit * 4).map(filler),
    randomBytes,
  );
}

const requestCase = (limit: number): fc.Arbitrary<HttpCase> => fc.tuple(
  fc.constantFrom('POST', 'POST', 'POST', 'GET', 'GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
  target,
  headers,
  bodies(limit),
  fc.boolean(),
).map(([method, path, list, body, chunked]) => {
  if (body !== undefined && chunked) {
    const chunks = Buffer.concat([text(`${body.length.toString(16)}\r\n`), body, text('\r\n0\r\n\r\n')]);
    return { kind: 'request', method, bytes: requestBytes(method, path, [...list, ['transfer-encoding', 'chunked']], chunks) };
  }
  return { kind: 'request', method, bytes: requestBytes(method, path, list, body) };
});

const rawCase: fc.Arbitrary<HttpCase> = fc.oneof(
  randomBytes,
  truncated(fc.tuple(target, headers, bodies(1024)).map(([path, list, body]) => requestBytes('POST', path, list, body ?? text('{"a":1,"b":2}')))),
  fc.tuple(target, fc.nat({ max: 1 << 20 }), fc.uint8Array({ maxLength: 64 })).map(([path, claim, body]) => requestBytes('POST', path, [['content-type', 'application/json'], ['content-length', String(claim)]], body)),
  fc.tuple(target, fc.constantFrom('zz\r\n', 'ffffffffffffffff\r\n', '-1\r\n', '5\r\nab', '1;x=y\r\nA\r\n0\r\n\r\n')).map(([path, chunks]) => requestBytes('POST', path, [['transfer-encoding', 'chunked']], text(chunks))),
  fc.tuple(target, fc.constantFrom('x-a: b\r\n c', 'x a: b', 'x-\u0000: b', 'x-a: \u0001', 'content-length: 1\r\ncontent-length: 2', 'transfer-encoding: chunked\r\ncontent-length: 3')).map(([path, bad]) => text(`POST ${path} HTTP/1.1\r\nhost: x\r\n${bad}\r\n\r\nabc`)),
  fc.constantFrom(70_000).map((n) => text(`GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(n)}\r\n\r\n`)),
  fc.constantFrom('GET /\r\n\r\n', 'POST /rpc/math/add HTTP/2.0\r\n\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', ' / HTTP/1.1\r\n\r\n', 'GET  HTTP/1.1\r\n\r\n').map(text),
).map((bytes) => ({ kind: 'raw', method: '?', bytes }));

/** Statuses a response may carry for hostile input: client errors, and the framework's 501, 504 and 508. */
const CLEAR_SERVER_STATUSES = new Set([501, 504, 508]);

function judge(c: HttpCase, result: RawExchange): Problem | undefined {
  if (result.timedOut) return { kind: 'hang', detail: 'no response and no close' };
  const response = result.response;
  if (!response) return c.kind === 'raw' ? undefined : { kind: 'unclear', detail: 'a well-formed request got no response (the connection closed)' };
  const { status } = response;
  if (status < 400) return undefined;
  // The status came; the body was cut by a reset (see RawResponse.truncated), so there is no body to judge.
  if (response.truncated) return status === 500 ? { kind: 'unclear', detail: 'status 500 (body cut short)' } : undefined;
  const wire = asWireError(decodeErrorBody(response.headers['content-type'], response.body));
  if (status >= 500 && !CLEAR_SERVER_STATUSES.has(status) && !(status === 500 && wire?.message === HANDLER_BROKE_CONTRACT)) {
    return { kind: 'unclear', detail: `status ${status}: ${response.body.toString('utf8').slice(0, 300)}` };
  }
  // Every error has Accord's body, refusals by Node's HTTP parser included (a HEAD response has no body).
  if (!wire && c.method !== 'HEAD') return { kind: 'unclear', detail: `status ${status} without an Accord error body: ${response.body.toString('utf8').slice(0, 300)}` };
  return undefined;
}

export function httpFuzz(port: number, bodyLimitBytes: number, timeoutMs: number): TransportFuzz<HttpCase> {
  return {
    transport: 'http',
    arbitrary: fc.oneof({ weight: 4, arbitrary: requestCase(bodyLimitBytes) }, { weight: 1, arbitrary: rawCase }),
    run: async (c) => judge(c, await exchange(port, c.bytes, timeoutMs, c.kind === 'raw')),
  };
}
