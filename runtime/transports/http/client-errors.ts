/**
 * Answers for requests Node's HTTP parser refuses before fastify sees them (bad syntax, headers over
 * the size limit, a client too slow to send its request): the same `{code, message}` body as every
 * other error, with the status HTTP has for the problem (400, 431, 408), then the connection
 * closes. fastify's default handler sends a body of its own shape instead.
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { encodeJson } from '../../core/codecs.js';
import type { WireError } from '../../core/errors.js';

function answerFor(code: string | undefined): { status: number; error: WireError } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, error: { code: 'DEADLINE_EXCEEDED', message: 'the request was not received in time (requestTimeoutMs)' } };
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, error: { code: 'PROTOCOL_ERROR', message: 'the request headers are over the size limit' } };
  return { status: 400, error: { code: 'PROTOCOL_ERROR', message: `malformed HTTP request${code ? ` (${code})` : ''}` } };
}

/** A client that keeps sending after its answer is cut off this long after it (its answer has left by then). */
const ANSWERED_GRACE_MS = 1_000;

const kAnswered = Symbol('accord.clientErrorAnswered');

export function answerClientError(error: Error & { code?: string }, socket: Socket & { [kAnswered]?: true }): void {
  // A reset connection has nobody to answer; an answered one is closing already (the parser reports
  // each chunk that still arrives as another error: cutting the connection then would lose the answer).
  if (error.code === 'ECONNRESET' || socket.destroyed || socket[kAnswered]) return;
  if (!socket.writable) {
    socket.destroy(error);
    return;
  }
  socket[kAnswered] = true;
  const { status, error: wire } = answerFor(error.code);
  const body = encodeJson(wire);
  // end(), not destroy(): closing at once with the client's bytes still unread resets the connection,
  // and a client still sending (a slow one, an oversize one) would lose the answer to the reset.
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), ANSWERED_GRACE_MS).unref();
}
