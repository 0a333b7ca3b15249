/**
 * HTTP/1.1 spoken over a bare TCP socket, so a test can send what no HTTP client library would
 * (invalid bytes in headers, lying content lengths, requests cut short) and still read the answer:
 * the status line, the headers and the body (content-length, chunked, or until the close). Streams
 * (SSE, MessagePack frames) are read no further than their headers.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The connection closed before the whole body came. */
  truncated?: boolean;
}

export interface RawExchange {
  response: RawResponse | undefined;
  /** The server closed the connection (after a response, or without one). */
  closed: boolean;
  /** Neither happened within the time allowed. */
  timedOut: boolean;
}

const STREAM_TYPES = ['text/event-stream', 'application/vnd.accord.msgpack-stream'];

/** Builds request bytes; `body` gets a correct content-length unless a header already names one. */
export function requestBytes(method: string, target: string, headers: Array<[string, string]>, body?: Uint8Array): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  const named = headers.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name));
  if (body !== undefined && !named) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body === undefined ? head : Buffer.concat([head, body]);
}

function parseHead(data: Buffer, end: number): { status: number; headers: Record<string, string> } | undefined {
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(match[1]), headers };
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    offset = start + size + 2;
  }
}

/** The response in `data` once it is complete (or `closed` says no more comes); a HEAD response has no body. */
function complete(data: Buffer, closed: boolean, head: boolean): RawResponse | undefined {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const parsed = parseHead(data, headEnd);
  if (!parsed) return undefined;
  const rest = data.subarray(headEnd + 4);
  const type = parsed.headers['content-type'] ?? '';
  if (head || STREAM_TYPES.some((t) => type.startsWith(t))) return { ...parsed, body: Buffer.alloc(0) };
  const length = parsed.headers['content-length'];
  if (length !== undefined && rest.length >= Number(length)) return { ...parsed, body: rest.subarray(0, Number(length)) };
  const chunked = length === undefined && /chunked/i.test(parsed.headers['transfer-encoding'] ?? '');
  const body = chunked ? dechunk(rest) : undefined;
  if (body) return { ...parsed, body };
  if (!closed) return undefined;
  // Closed: a body without a length ends with the connection; one with a length (or chunks) that did not all come was cut short.
  return length === undefined && !chunked ? { ...parsed, body: rest } : { ...parsed, body: rest, truncated: true };
}

/**
 * Sends `bytes` on a new connection, then reads one response. Resolves when a response is complete,
 * the server closes, or `timeoutMs` passes. `halfClose` ends the sending side after the bytes: a
 * client that sends something and goes away (Node's server then aborts the request and closes, so
 * a request cut short ends at once instead of waiting for the request timeout).
 */
export function exchange(port: number, bytes: Uint8Array, timeoutMs: number, halfClose = false): Promise<RawExchange> {
  const head = bytes.length >= 5 && Buffer.from(bytes.subarray(0, 5)).toString('latin1') === 'HEAD ';
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (result: RawExchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ response: complete(data, false, head), closed: false, timedOut: true }), timeoutMs);
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(bytes);
      if (halfClose) socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const response = complete(data, false, head);
      if (response) finish({ response, closed: false, timedOut: false });
    });
    socket.on('close', () => finish({ response: complete(data, true, head), closed: true, timedOut: false }));
  });
}
