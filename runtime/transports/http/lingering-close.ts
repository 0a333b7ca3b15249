/**
 * A lingering close, as nginx has, for connections the server closes after its answer (the client
 * sent `connection: close`, or the answer came before the body was read: an unknown path, a GET no
 * route reads the body of, a body over the limit). Node closes such a socket as soon as the answer
 * has left; if the client is still sending, its bytes arrive at a closed socket, the kernel answers
 * with a reset, and the reset can discard the answer before the client has read it. Here the
 * server half-closes instead and keeps reading (the HTTP parser drops the rest of the body) until
 * the client closes its side, for at most LINGER_MS.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How long a closing connection keeps reading what its client still sends. */
const LINGER_MS = 2_000;

/** Makes every connection of `server` close lingering. */
export function lingerOnClose(server: Server): void {
  server.on('connection', (socket: Socket) => {
    socket.destroySoon = lingeringClose;
  });
}

/** Replaces net.Socket#destroySoon (which Node's HTTP server calls once the last answer is written). */
function lingeringClose(this: Socket): void {
  if (this.writable) this.end();
  if (this.readableEnded) {
    // The client is done sending: close once the answer has left, as Node would.
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
    return;
  }
  const timer = setTimeout(() => this.destroy(), LINGER_MS);
  timer.unref();
  this.once('close', () => clearTimeout(timer));
  this.once('end', () => this.destroy());
}
