/**
 * The WebSocket class the client uses: the one passed in, else the platform's (browsers, Node 22+),
 * else the `ws` package, imported lazily so a browser bundle never includes it; and a client
 * WebSocket adapted to the session layer's socket. Browser-safe.
 */
import { AccordError } from '../../core/errors.js';
import type { CloseReason } from '../../link/frames.js';
import type { LinkSocket } from '../../link/socket.js';
import { clientCloseCode } from './protocol.js';

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
    close: (reason: CloseReason, message: string) => socket.close(clientCloseCode(reason), message),
    // A browser cannot cut a socket harder than close().
    terminate: () => socket.close(),
  };
}

let cached: Promise<WebSocketConstructor> | undefined;

export function loadWebSocket(given?: WebSocketConstructor): Promise<WebSocketConstructor> | WebSocketConstructor {
  if (given) return given;
  const native = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof native === 'function') return native as WebSocketConstructor;
  return (cached ??= importWs());
}

async function importWs(): Promise<WebSocketConstructor> {
  // Built at run time so bundlers do not follow it: browser bundles must not contain `ws`.
  const specifier = ['w', 's'].join('');
  try {
    const mod = (await import(/* @vite-ignore */ specifier)) as { WebSocket?: unknown; default?: unknown };
    return (mod.WebSocket ?? mod.default) as WebSocketConstructor;
  } catch (error) {
    cached = undefined;
    throw new AccordError('UNAVAILABLE', 'no WebSocket implementation: pass `WebSocket` to wsClient() or install the `ws` package', undefined, { cause: error });
  }
}
