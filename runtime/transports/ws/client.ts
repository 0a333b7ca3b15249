/**
 * The WebSocket client transport, for browsers and Node: the session layer's reconnecting client
 * (runtime/link/session-client.ts) dialling a WebSocket. Connects lazily on the first call,
 * multiplexes calls, streams and event subscriptions, fails in-flight calls with UNAVAILABLE when
 * the connection drops, and while there are subscriptions reconnects with backoff and jitter.
 * Browser-safe: this file and its imports use no Node modules; `ws` is only loaded lazily when
 * the platform has no WebSocket and none was passed.
 */
import type { ContractFingerprints } from '../../core/contract-fingerprints.js';
import { AccordError } from '../../core/errors.js';
import type { EventSubscription } from '../../core/client-transport.js';
import { selectCodecName } from '../../core/codec-registry.js';
import type { Codec } from '../../core/json-codec.js';
import { FrameChannel } from '../../link/channel.js';
import { parseCalleeFrame } from '../../link/frame-validation.js';
import { ClientSession, type ClientSessionHooks } from '../../link/client-session.js';
import type { CodecName, ServerFrame } from '../../link/frames.js';
import { helloFrame } from '../../link/hello.js';
import { SessionClient, type ReconnectOptions, type SessionClientTransport } from '../../link/session-client.js';
import { linkSocketOf, loadWebSocket, type WebSocketConstructor, type WebSocketLike } from './socket.js';

export type { ReconnectOptions } from '../../link/session-client.js';

export interface WsClientOptions {
  /** e.g. `ws://127.0.0.1:3000/ws`. */
  url: string;
  /** Sent in the hello frame and merged into every call's metadata on the server (e.g. `authorization`). */
  metadata?: Record<string, string>;
  /**
   * The fingerprints of the contracts this client was built against (`contractFingerprints` from
   * the generated `fingerprints.ts`), sent once in the hello: the server checks every call against
   * its own contract and refuses (contractCheck 'strict') or reports ('warn') a mismatch.
   */
  contracts?: ContractFingerprints;
  /**
   * 'json' (text frames, readable in devtools; the default) or MessagePack (binary frames, bytes
   * without base64): `'msgpack'` after `import 'accord-rpc/msgpack'`, or that entry's `msgpack` codec.
   */
  codec?: CodecName | Codec;
  /** A WebSocket class; default: the platform's, else the `ws` package. */
  WebSocket?: WebSocketConstructor;
  /** Automatic reconnection while event subscriptions exist; `false` disables it. */
  reconnect?: ReconnectOptions | false;
  /** Give up on a connection attempt after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Items a stream may have outstanding (the credit window; default 32). */
  streamWindow?: number;
  /** While calls or subscriptions are open, ping the server after this long without frames; no answer within as long again closes the connection (default 15 s; 0 disables). */
  heartbeatIntervalMs?: number;
  /** Called when a subscription is refused or reconnecting gives up (default: console.warn). */
  onError?: (error: AccordError, subscription?: EventSubscription) => void;
}

export type WsClientTransport = SessionClientTransport;

export function wsClient(options: WsClientOptions): WsClientTransport {
  // Checked now, not at the first call: a page that asks for MessagePack without loading it learns at once.
  const codec = selectCodecName(options.codec);
  return new SessionClient({
    dial: (hooks) => dialWebSocket(options, codec, hooks),
    target: options.url,
    reconnect: options.reconnect,
    streamWindow: options.streamWindow,
    onError: options.onError,
  });
}

/** Opens a WebSocket, says hello and resolves with the session once the server's welcome arrives. */
async function dialWebSocket(options: WsClientOptions, codec: CodecName, hooks: ClientSessionHooks): Promise<ClientSession> {
  const WebSocket = await loadWebSocket(options.WebSocket);
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const started = Date.now();
  let socket: WebSocketLike;
  try {
    socket = new WebSocket(options.url);
  } catch (error) {
    throw new AccordError('UNAVAILABLE', `cannot open a WebSocket to ${options.url}: ${(error as Error).message}`);
  }
  socket.binaryType = 'arraybuffer';
  let session: ClientSession | undefined;
  // The session exists from 'open' on (its hello needs an open socket); a close before that fails the dial.
  const opened = new Promise<ClientSession>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new AccordError('UNAVAILABLE', `no welcome from ${options.url} within ${timeoutMs} ms`));
      // Closing a socket that is still connecting aborts it (browsers and ws alike); it does not throw.
      socket.close();
    }, timeoutMs);
    socket.addEventListener('open', () => {
      clearTimeout(timer);
      const channel = new FrameChannel(linkSocketOf(socket), { codec, parse: parseCalleeFrame, maxMessageBytes: 1024 * 1024, highWaterBytes: Infinity }, (frame) => session!.handle(frame as ServerFrame));
      const remainingMs = Math.max(1, timeoutMs - (Date.now() - started));
      session = new ClientSession(channel, { peer: options.url, heartbeatIntervalMs: options.heartbeatIntervalMs ?? 15_000, connectTimeoutMs: remainingMs }, hooks, helloFrame(codec, options.metadata, options.contracts));
      resolve(session);
    });
    socket.addEventListener('close', (event: { code?: number; reason?: string }) => {
      clearTimeout(timer);
      const error = new AccordError('UNAVAILABLE', `the WebSocket connection closed (${event.code ?? 'no code'}${event.reason ? `: ${event.reason}` : ''})`);
      if (session) session.closed(error);
      else reject(error);
    });
  });
  socket.addEventListener('message', (event: { data: unknown }) => session?.receive(event.data as string | ArrayBuffer, typeof event.data !== 'string'));
  socket.addEventListener('error', () => {
    // 'close' follows with the details a browser is willing to give.
  });
  const open = await opened;
  // A close between 'open' and the welcome rejects `ready` (ClientSession.closed).
  await open.ready;
  return open;
}
