/**
 * One accepted WebSocket connection on the server: the `ws` socket adapted to the session layer
 * (runtime/link), the hello handshake, WebSocket protocol pings, the idle clock and close codes.
 * Calls, streams and subscriptions are the session's; validation, auth and handlers the dispatcher's.
 */
import type { WebSocket } from 'ws';
import type { Dispatcher } from '../../core/dispatcher.js';
import { lowerCaseKeys } from '../../core/envelope.js';
import { AccordError } from '../../core/errors.js';
import { decodeFirstFrame, FrameChannel } from '../../link/channel.js';
import { parseCallerFrame } from '../../link/frame-validation.js';
import { protocolError } from '../../link/frame-codec.js';
import type { CodecName, CloseReason, ClientFrame } from '../../link/frames.js';
import { acceptHello, welcomeFrame } from '../../link/hello.js';
import { ServerSession, type ServerSessionLimits } from '../../link/server-session.js';
import type { LinkSocket } from '../../link/socket.js';
import { CLOSE, closeCode, closeReason } from './protocol.js';

export interface ConnectionLimits extends ServerSessionLimits {
  maxFrameBytes: number;
  heartbeatIntervalMs: number;
  /** Socket bytes buffered past which streams stop pulling items until the socket drains. */
  highWaterBytes: number;
  helloTimeoutMs: number;
}

/** What a connection reports for monitoring and tests. */
export interface ConnectionStats {
  id: number;
  codec: CodecName;
  state: 'hello' | 'open' | 'closing' | 'closed';
  inFlight: number;
  streams: number;
  subscriptions: number;
  /** Bytes written to the socket but not yet sent, plus frames queued for the next batch. */
  bufferedBytes: number;
  /** The largest `bufferedBytes` seen. */
  maxBufferedBytes: number;
  itemsSent: number;
  eventsSent: number;
}

/** Header names from the upgrade request that describe the socket, not the caller. */
const TRANSPORT_HEADERS = new Set(['connection', 'upgrade', 'host', 'content-length', 'transfer-encoding']);

export function headersFromUpgrade(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const key in raw) {
    const value = raw[key];
    if (value === undefined || TRANSPORT_HEADERS.has(key) || key.startsWith('sec-websocket-')) continue;
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** A `ws` WebSocket as the session layer's socket. */
function linkSocketOf(ws: WebSocket): LinkSocket {
  return {
    get writable() {
      return ws.readyState === 1;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    send: (message, onWritten) => ws.send(message, onWritten),
    close: (reason: CloseReason, message: string) => ws.close(closeCode(reason), closeReason(message)),
    terminate: () => ws.terminate(),
  };
}

export class WsConnection {
  readonly id: number;
  readonly #ws: WebSocket;
  readonly #channel: FrameChannel;
  readonly #session: ServerSession;
  readonly #limits: ConnectionLimits;
  readonly #onClosed: (connection: WsConnection) => void;
  readonly #upgradeHeaders: Record<string, string>;
  #state: 'hello' | 'open' | 'closing' | 'closed' = 'hello';
  /** A drain asked for before the hello: goaway goes out right after the welcome. */
  #draining = false;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Heartbeat: set when any frame or pong arrives, cleared when a ping goes out. */
  alive = true;
  /** When the last application frame arrived (for the idle timeout). */
  lastActivity = Date.now();
  #resolveClosed!: () => void;
  /** Settles when the socket has closed and every call of this connection is aborted. */
  readonly whenClosed = new Promise<void>((resolve) => {
    this.#resolveClosed = resolve;
  });

  constructor(id: number, ws: WebSocket, upgradeHeaders: Record<string, string>, dispatcher: Dispatcher, limits: ConnectionLimits, onClosed: (c: WsConnection) => void) {
    this.id = id;
    this.#ws = ws;
    this.#limits = limits;
    this.#onClosed = onClosed;
    this.#upgradeHeaders = upgradeHeaders;
    this.#channel = new FrameChannel(linkSocketOf(ws), {
      codec: 'json',
      parse: parseCallerFrame,
      maxMessageBytes: Math.max(limits.maxFrameBytes, 64 * 1024),
      highWaterBytes: limits.highWaterBytes,
    }, (frame) => this.#session.handle(frame as ClientFrame));
    this.#session = new ServerSession(this.#channel, dispatcher, {
      limits,
      headers: upgradeHeaders,
      idPrefix: `ws${id}`,
      transport: 'ws',
      close: (reason, message) => this.close(closeCode(reason), message),
    });
    ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => this.#closed());
    ws.on('error', () => {
      // ws closes the socket itself (e.g. 1009 for a frame over maxPayload); 'close' follows.
    });
    if (limits.helloTimeoutMs > 0) {
      this.#helloTimer = setTimeout(() => this.#fail(protocolError(`no hello frame within ${limits.helloTimeoutMs} ms`)), limits.helloTimeoutMs);
    }
  }

  get inFlight() {
    return this.#session.inFlight;
  }

  /** Nothing in flight, streaming or subscribed: the idle timeout may close it. */
  get idle(): boolean {
    return this.#session.idle;
  }

  stats(): ConnectionStats {
    return {
      id: this.id,
      codec: this.#channel.codec,
      state: this.#state,
      ...this.#session.stats(),
      bufferedBytes: this.#channel.buffered,
      maxBufferedBytes: this.#channel.maxBuffered,
    };
  }

  /** Heartbeat tick: a connection that did not answer the previous ping is dead. */
  heartbeat(): void {
    if (!this.alive) {
      this.#ws.terminate();
      return;
    }
    this.alive = false;
    try {
      this.#ws.ping();
    } catch {
      this.#ws.terminate();
    }
  }

  /** Graceful stop, step one: refuse new calls, tell the client to go elsewhere. */
  drain(): void {
    if (this.#state === 'open') this.#session.drain();
    else this.#draining = true;
  }

  /** Closes with `code` (graceful stop, idle, slow consumer); what is still in flight fails with UNAVAILABLE. */
  close(code: number, reason: string): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    this.#session.endCalls(this.#session.draining ? undefined : new AccordError('UNAVAILABLE', `the server closed the connection (${reason})`));
    this.#state = 'closing';
    this.#ws.close(code, closeReason(reason));
    // A peer that does not answer the close handshake (dead, or not reading) is cut off.
    this.#closeTimer ??= setTimeout(() => this.#ws.terminate(), 2_000);
    this.#closeTimer.unref?.();
  }

  terminate(): void {
    this.#ws.terminate();
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    this.alive = true;
    this.lastActivity = Date.now();
    try {
      if (this.#state === 'hello') this.#hello(decodeFirstFrame(data, isBinary, parseCallerFrame));
      else this.#channel.receive(data, isBinary);
    } catch (error) {
      this.#fail(error instanceof AccordError ? error : protocolError('could not process a frame'), isBinary);
    }
  }

  #hello(frame: ReturnType<typeof decodeFirstFrame>): void {
    const hello = acceptHello(frame);
    clearTimeout(this.#helloTimer);
    this.#channel.codec = hello.codec;
    // The session holds this object as its connection metadata: hello metadata goes on top.
    if (hello.metadata) Object.assign(this.#upgradeHeaders, lowerCaseKeys(hello.metadata));
    this.#session.useContracts(hello.contracts);
    this.#state = 'open';
    const l = this.#limits;
    this.#channel.send(welcomeFrame(hello.codec, { maxFrameBytes: l.maxFrameBytes, maxInFlight: l.maxInFlight, maxStreamCredit: l.maxStreamCredit, heartbeatIntervalMs: l.heartbeatIntervalMs }));
    if (this.#draining) this.#session.drain();
  }

  /** A protocol error: tell the client why, then close this connection only. */
  #fail(error: AccordError, isBinary = false): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    if (this.#state === 'hello') this.#channel.codec = isBinary ? 'msgpack' : 'json';
    this.#channel.send({ type: 'error', error: error.toWire() });
    this.#channel.flush();
    this.#ws.close(CLOSE.protocolError, closeReason(error.message));
    this.#closed();
    setTimeout(() => this.#ws.terminate(), 2_000).unref?.();
  }

  #closed(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#helloTimer);
    clearTimeout(this.#closeTimer);
    this.#channel.closed();
    this.#session.closed();
    this.#onClosed(this);
    this.#resolveClosed();
  }
}
