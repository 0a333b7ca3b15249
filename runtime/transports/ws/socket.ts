/**
 * The WebSocket class the client uses (the one passed in, else the platform's) and a client
 * WebSocket adapted to the session layer's socket. Browser-safe: nothing here names the `ws` package.
 */
import { AccordError } from '../../core/errors.js';
import type { CloseReason } from '../../link/frames.js';
import type { LinkSocket } from '../../link/socket.js';
import { clientCloseCode, closeReason } from './protocol.js';

/** What the client needs of a WebSocket: satisfied by the browser's and by `ws`'s class. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount?: number;
  binaryType: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export const OPEN = 1;

/** A client WebSocket as the session layer's socket (a browser's send() has no write callback). */
export function linkSocketOf(socket: WebSocketLike): LinkSocket {
  return {
    get writable() {
      return socket.readyState === OPEN;
    },
    get bufferedAmount() {
      return socket.bufferedAmount ?? 0;
    },
    send: (message, onWritten) => {
      socket.send(message);
      onWritten?.();
    },
    close: (reason: CloseReason, message: string) => socket.close(clientCloseCode(reason), closeReason(message)),
    // A browser cannot cut a socket harder than close().
    terminate: () => socket.close(),
  };
}

/**
 * The WebSocket class to use: the one passed in, else the platform's (browsers, Node 22+). Node 20
 * has none: its clients come from `accord-rpc/ws`, which passes the `ws` package's class.
 */
export function loadWebSocket(given?: WebSocketConstructor): WebSocketConstructor {
  if (given) return given;
  const native = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof native === 'function') return native as WebSocketConstructor;
  throw new AccordError('UNAVAILABLE', "no WebSocket: pass one, or use accord-rpc/ws in Node");
}
