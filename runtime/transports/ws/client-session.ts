/**
 * One client connection: the hello/welcome handshake, outgoing batching within the server's frame
 * limit, incoming frame routing to the calls in flight, and a heartbeat that notices a dead server
 * (browsers cannot see protocol pings, so it uses ping frames). Browser-safe.
 */
import { AccordError } from '../../core/errors.js';
import { Outbox } from './outbox.js';
import {
  CLOSE, PROTOCOL_VERSION, decodeMessage, encodeFrame, encodedSize, parseServerFrame,
  type ClientFrame, type CodecName, type EncodedFrame, type ServerFrame, type WelcomeFrame,
} from './protocol.js';
import { OPEN, type WebSocketConstructor, type WebSocketLike } from './socket.js';

/** A call in flight on a session: unary or stream. */
export interface PendingCall {
  deliver(frame: ServerFrame): void;
  fail(error: AccordError): void;
}

export interface SessionHooks {
  /** Frames for subscriptions (event, subscribed, errors with a subscription id). */
  onSubscriptionFrame(frame: ServerFrame & { id: number }): boolean;
  onGoAway(session: Session): void;
  /** Whether the client has subscriptions (the heartbeat runs only while there is something to lose). */
  hasSubscriptions(): boolean;
  onClosed(session: Session, error: AccordError): void;
}

export interface SessionOptions {
  url: string;
  codec: CodecName;
  metadata: Record<string, string>;
  connectTimeoutMs: number;
  heartbeatIntervalMs: number;
}

export class Session {
  readonly calls = new Map<number, PendingCall>();
  readonly ready: Promise<WelcomeFrame>;
  welcome: WelcomeFrame | undefined;
  /** The server sent goaway: finish what is in flight, send nothing new. */
  draining = false;
  #state: 'connecting' | 'open' | 'closed' = 'connecting';
  readonly #socket: WebSocketLike;
  readonly #options: SessionOptions;
  readonly #hooks: SessionHooks;
  readonly #outbox: Outbox;
  #resolveReady!: (welcome: WelcomeFrame) => void;
  #rejectReady!: (error: AccordError) => void;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #lastReceived = Date.now();
  #pingSentAt: number | undefined;
  /** The server's message size limit, from welcome. */
  #maxFrameBytes = 1024 * 1024;
  /** A connection-level error frame from the server, reported when the socket closes. */
  #serverError: AccordError | undefined;

  constructor(WebSocket: WebSocketConstructor, options: SessionOptions, hooks: SessionHooks) {
    this.#options = options;
    this.#hooks = hooks;
    this.ready = new Promise<WelcomeFrame>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    this.#outbox = new Outbox(options.codec, 1024 * 1024, (message) => this.#write(message));
    let socket: WebSocketLike;
    try {
      socket = new WebSocket(options.url);
    } catch (error) {
      throw new AccordError('UNAVAILABLE', `cannot open a WebSocket to ${options.url}: ${(error as Error).message}`);
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      const hello: ClientFrame = { type: 'hello', version: PROTOCOL_VERSION, codec: options.codec, metadata: options.metadata };
      this.#write(encodeFrame(options.codec, hello));
    });
    socket.addEventListener('message', (event: { data: unknown }) => this.#onMessage(event.data));
    socket.addEventListener('close', (event: { code?: number; reason?: string }) => {
      this.#closed(this.#serverError ?? new AccordError('UNAVAILABLE', `the WebSocket connection closed (${event.code ?? 'no code'}${event.reason ? `: ${event.reason}` : ''})`));
    });
    socket.addEventListener('error', () => {
      // 'close' follows with the details a browser is willing to give.
    });
    this.#connectTimer = setTimeout(() => {
      this.#closed(new AccordError('UNAVAILABLE', `no welcome from ${options.url} within ${options.connectTimeoutMs} ms`));
    }, options.connectTimeoutMs);
  }

  get open(): boolean {
    return this.#state === 'open';
  }

  /** Queues a frame; throws PAYLOAD_TOO_LARGE when it alone exceeds the server's frame limit. */
  send(frame: ClientFrame): void {
    if (this.#state !== 'open') throw new AccordError('UNAVAILABLE', 'the WebSocket connection is not open');
    const encoded = encodeFrame(this.#options.codec, frame);
    const limit = this.#maxFrameBytes;
    if (encodedSize(encoded) > limit) {
      throw new AccordError('PAYLOAD_TOO_LARGE', `the ${frame.type} frame is ${encodedSize(encoded)} bytes, over the server's limit of ${limit}`);
    }
    this.#outbox.pushEncoded(encoded);
  }

  /** Sends a frame if the connection is open, ignoring failures (cancel, credit, unsubscribe). */
  trySend(frame: ClientFrame): void {
    if (this.#state !== 'open') return;
    try {
      this.send(frame);
    } catch {
      // best effort
    }
  }

  /** Closes the socket; in-flight calls fail with `error`. */
  close(error: AccordError, code: number = CLOSE.normal): void {
    if (this.#state === 'closed') return;
    this.#outbox.flush();
    try {
      this.#socket.close(code, error.message.slice(0, 120));
    } catch {
      // already closing
    }
    this.#closed(error);
  }

  #write(message: EncodedFrame): void {
    if (this.#socket.readyState !== OPEN) return;
    this.#socket.send(message);
  }

  #onMessage(data: unknown): void {
    this.#lastReceived = Date.now();
    let frames: unknown[];
    try {
      const binary = typeof data !== 'string';
      frames = decodeMessage(data as string | ArrayBuffer | Uint8Array, binary);
      for (const raw of frames) this.#handle(parseServerFrame(raw));
    } catch (error) {
      const reason = error instanceof AccordError ? error.message : String(error);
      this.close(new AccordError('UNAVAILABLE', `the server sent a frame this client cannot read (${reason})`), CLOSE.clientProtocolError);
    }
  }

  #handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'result':
      case 'item':
      case 'end':
        this.calls.get(frame.id)?.deliver(frame);
        return;
      case 'error':
        if (frame.id === undefined || frame.id === null) {
          this.#serverError = AccordError.fromWire(frame.error);
          return;
        }
        {
          const call = this.calls.get(frame.id);
          if (call) call.deliver(frame);
          else this.#hooks.onSubscriptionFrame(frame as ServerFrame & { id: number });
        }
        return;
      case 'event':
      case 'subscribed':
        this.#hooks.onSubscriptionFrame(frame);
        return;
      case 'welcome':
        if (this.#state !== 'connecting') return;
        clearTimeout(this.#connectTimer);
        this.#state = 'open';
        this.welcome = frame;
        if (typeof frame.limits.maxFrameBytes === 'number' && frame.limits.maxFrameBytes > 0) this.#maxFrameBytes = frame.limits.maxFrameBytes;
        this.#outbox.maxMessageBytes = this.#maxFrameBytes;
        this.#startHeartbeat();
        this.#resolveReady(frame);
        return;
      case 'goaway':
        this.draining = true;
        this.#hooks.onGoAway(this);
        return;
      case 'ping':
        this.trySend(frame.data === undefined ? { type: 'pong' } : { type: 'pong', data: frame.data });
        return;
      case 'pong':
        return;
    }
  }

  #startHeartbeat(): void {
    const interval = this.#options.heartbeatIntervalMs;
    if (!(interval > 0)) return;
    // Only while calls or subscriptions are open: an idle client must not keep the server's idle
    // timeout from closing its connection, and has nothing to lose to a dead one.
    this.#heartbeat = setInterval(() => {
      if (this.calls.size === 0 && !this.#hooks.hasSubscriptions()) {
        this.#pingSentAt = undefined;
        return;
      }
      const now = Date.now();
      if (this.#pingSentAt !== undefined) {
        if (this.#lastReceived >= this.#pingSentAt) this.#pingSentAt = undefined;
        else if (now - this.#pingSentAt >= interval) {
          this.close(new AccordError('UNAVAILABLE', `the server did not answer a ping for ${now - this.#pingSentAt} ms`), CLOSE.heartbeatTimeout);
          return;
        }
      }
      if (this.#pingSentAt === undefined && now - this.#lastReceived >= interval) {
        this.#pingSentAt = now;
        this.trySend({ type: 'ping' });
      }
    }, interval);
    (this.#heartbeat as { unref?: () => void }).unref?.();
  }

  #closed(error: AccordError): void {
    if (this.#state === 'closed') return;
    const wasConnecting = this.#state === 'connecting';
    this.#state = 'closed';
    clearTimeout(this.#connectTimer);
    clearInterval(this.#heartbeat);
    this.#outbox.clear();
    if (wasConnecting) {
      this.#rejectReady(error);
      try {
        this.#socket.close();
      } catch {
        // never opened
      }
    }
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) call.fail(error);
    this.#hooks.onClosed(this, error);
  }
}
