/**
 * A cap on the open connections of the HTTP port (WebSockets that share it included). Idle
 * connections cost memory and file descriptors, and without a cap a client that opens thousands
 * can run the process out of either. Past the cap, a new connection is answered at once with
 * `503 UNAVAILABLE` (Retry-After: 1) and closed, before anything is read from it; a request that
 * arrives on it anyway is dropped before it reaches a handler.
 */
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import { encodeJson } from '../../core/codecs.js';

const kRefused = Symbol('accord.refusedConnection');
/** A refused client that does not close its end is cut off after this long. */
const REFUSED_GRACE_MS = 1_000;

type MarkedSocket = Socket & { [kRefused]?: true };

function refuse(socket: MarkedSocket, max: number): void {
  socket[kRefused] = true;
  socket.on('error', () => undefined);
  const body = encodeJson({ code: 'UNAVAILABLE', message: `the server has its maximum of ${max} connections open; retry later` });
  socket.end(`HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), REFUSED_GRACE_MS).unref();
}

/** Caps `app`'s connections at `max`; returns how many are open now. */
export function limitConnections(app: FastifyInstance, max: number): () => number {
  let open = 0;
  // Before Node's own listener, so the refusal is written before the HTTP parser sees the socket.
  app.server.prependListener('connection', (socket: MarkedSocket) => {
    if (open >= max) return refuse(socket, max);
    open++;
    socket.once('close', () => open--);
  });
  app.addHook('onRequest', (req, reply, done) => {
    if (!(req.raw.socket as MarkedSocket)[kRefused]) return done();
    reply.hijack();
    req.raw.socket.destroy();
  });
  return () => open;
}
