/**
 * The WebSocket client transport, for browsers and Node. Connects lazily on the first call,
 * multiplexes calls, streams and event subscriptions over one connection, fails in-flight calls
 * with UNAVAILABLE when the connection drops (ServiceClient retries idempotent ones), and while
 * there are subscriptions reconnects with exponential backoff and jitter and resubscribes.
 * Browser-safe: this file and its imports use no Node modules; `ws` is only loaded lazily when
 * the platform has no WebSocket and none was passed.
 */
import { backoffDelay } from '../../core/backoff.js';
import { AccordError } from '../../core/errors.js';
import type { ClientTransport, EventSubscription, OutgoingCall } from '../../core/client-transport.js';
import { StreamCall, UnaryCall, type CallHost, type SessionUser } from './client-calls.js';
import { Session } from './client-session.js';
import { CLOSE, type CodecName, type ServerFrame } from './protocol.js';
import { loadWebSocket, type WebSocketConstructor } from './socket.js';

export interface ReconnectOptions {
  /** First delay before jitter (default 100 ms). */
  initialDelayMs?: number;
  /** Ceiling of any delay (default 5 s). */
  maxDelayMs?: number;
  factor?: number;
  /** Give up after this many failed attempts in a row (default: never). */
  maxAttempts?: number;
}

export interface WsClientOptions {
  /** e.g. `ws://127.0.0.1:3000/ws`. */
  url: string;
  /** Sent in the hello frame and merged into every call's metadata on the server (e.g. `authorization`). */
  metadata?: Record<string, string>;
  /** 'json' (text frames, readable in devtools) or 'msgpack' (binary frames, bytes without base64). Default 'json'. */
  codec?: CodecName;
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

export interface WsClientTransport extends ClientTransport {
  subscribe(subscription: EventSubscription, listener: (data: unknown) => void): () => void;
  /** Opens the connection now instead of on the first call. */
  connect(): Promise<void>;
  /** Resolves once every current subscription is confirmed by the server (connecting if needed). */
  ready(): Promise<void>;
  /** Whether a connection is open right now. */
  readonly connected: boolean;
  /** Closes the connection; calls in flight fail with UNAVAILABLE; no reconnection. */
  close(): Promise<void>;
}

interface Subscription {
  id: number;
  spec: EventSubscription;
  listener: (data: unknown) => void;
  /** The session that confirmed it, if any. */
  confirmedOn: Session | undefined;
}

export function wsClient(options: WsClientOptions): WsClientTransport {
  return new WsClient(options);
}

class WsClient implements WsClientTransport, CallHost {
  readonly #options: WsClientOptions;
  #session: Session | undefined;
  #connecting: Promise<Session> | undefined;
  #nextId = 1;
  readonly #subscriptions = new Map<number, Subscription>();
  #readyWaiters: Array<{ resolve: () => void; reject: (error: AccordError) => void }> = [];
  #closed = false;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: WsClientOptions) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#session?.open === true;
  }

  unary(call: OutgoingCall): Promise<unknown> {
    return new Promise((resolve, reject) => new UnaryCall(this, this.#nextId++, call, resolve, reject).start());
  }

  stream(call: OutgoingCall): AsyncIterable<unknown> {
    const window = this.#options.streamWindow ?? 32;
    return { [Symbol.asyncIterator]: () => new StreamCall(this, this.#nextId++, call, window) };
  }

  subscribe(spec: EventSubscription, listener: (data: unknown) => void): () => void {
    if (this.#closed) throw new AccordError('UNAVAILABLE', 'this client is closed');
    const id = this.#nextId++;
    const subscription: Subscription = { id, spec: { ...spec }, listener, confirmedOn: undefined };
    this.#subscriptions.set(id, subscription);
    const session = this.#usableSession();
    if (session) this.#sendSubscribe(session, subscription);
    else this.#connect().catch(() => this.#scheduleReconnect());
    return () => {
      if (!this.#subscriptions.delete(id)) return;
      this.#session?.trySend({ type: 'unsubscribe', id });
      this.#checkReady();
    };
  }

  async connect(): Promise<void> {
    if (!this.#usableSession()) await this.#connect();
  }

  async ready(): Promise<void> {
    if (!this.#usableSession()) await this.#connect();
    if (this.#allConfirmed()) return;
    await new Promise<void>((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#subscriptions.clear();
    this.#failReadyWaiters(new AccordError('UNAVAILABLE', 'the client was closed'));
    this.#session?.close(new AccordError('UNAVAILABLE', 'the client was closed'), CLOSE.normal);
    this.#session = undefined;
  }

  // ---------------------------------------------------------------- connection management

  withSession(user: SessionUser): void {
    const session = this.#usableSession();
    if (session) return user.attach(session);
    this.#connect().then((s) => user.attach(s), (error: AccordError) => user.fail(error));
  }

  #usableSession(): Session | undefined {
    const session = this.#session;
    return session && session.open && !session.draining ? session : undefined;
  }

  #connect(): Promise<Session> {
    if (this.#closed) return Promise.reject(new AccordError('UNAVAILABLE', 'this client is closed'));
    if (this.#connecting) return this.#connecting;
    const attempt = (async () => {
      const WebSocket = await loadWebSocket(this.#options.WebSocket);
      const session: Session = new Session(WebSocket, {
        url: this.#options.url,
        codec: this.#options.codec ?? 'json',
        metadata: this.#options.metadata ?? {},
        connectTimeoutMs: this.#options.connectTimeoutMs ?? 10_000,
        heartbeatIntervalMs: this.#options.heartbeatIntervalMs ?? 15_000,
      }, {
        onSubscriptionFrame: (frame): boolean => this.#onSubscriptionFrame(session, frame),
        onGoAway: (s) => this.#onGoAway(s),
        hasSubscriptions: () => this.#subscriptions.size > 0,
        onClosed: (s) => this.#onSessionClosed(s),
      });
      await session.ready;
      if (this.#closed) {
        session.close(new AccordError('UNAVAILABLE', 'the client was closed'));
        throw new AccordError('UNAVAILABLE', 'this client is closed');
      }
      const previous = this.#session;
      this.#session = session;
      this.#attempt = 0;
      for (const subscription of this.#subscriptions.values()) this.#sendSubscribe(session, subscription);
      // The old connection is draining: stop its copies of the events now that the new one has them.
      if (previous && previous !== session && previous.open) {
        for (const subscription of this.#subscriptions.values()) previous.trySend({ type: 'unsubscribe', id: subscription.id });
      }
      return session;
    })();
    this.#connecting = attempt;
    attempt.then(
      () => { if (this.#connecting === attempt) this.#connecting = undefined; },
      () => {
        if (this.#connecting === attempt) this.#connecting = undefined;
        this.#scheduleReconnect();
      },
    );
    return attempt.catch((error: unknown) => {
      throw error instanceof AccordError ? error : new AccordError('UNAVAILABLE', `cannot connect to ${this.#options.url}: ${(error as Error)?.message ?? error}`);
    });
  }

  #sendSubscribe(session: Session, subscription: Subscription): void {
    subscription.confirmedOn = undefined;
    const { service, version, event } = subscription.spec;
    session.trySend({ type: 'subscribe', id: subscription.id, service, version, event });
  }

  #onSubscriptionFrame(session: Session, frame: ServerFrame & { id: number }): boolean {
    const subscription = this.#subscriptions.get(frame.id);
    if (!subscription) return false;
    switch (frame.type) {
      case 'event':
        // After a goaway both connections may briefly deliver: only the current one counts.
        if (session === this.#session) subscription.listener(frame.data);
        return true;
      case 'subscribed':
        subscription.confirmedOn = session;
        this.#checkReady();
        return true;
      case 'error':
        this.#subscriptions.delete(frame.id);
        this.#report(AccordError.fromWire(frame.error), subscription.spec);
        this.#checkReady();
        return true;
      default:
        return false;
    }
  }

  #allConfirmed(): boolean {
    const current = this.#session;
    for (const s of this.#subscriptions.values()) if (s.confirmedOn !== current) return false;
    return true;
  }

  #checkReady(): void {
    if (this.#readyWaiters.length === 0 || !this.#allConfirmed()) return;
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  /** `ready()` must end even when it never can be: the client closed or gave up reconnecting. */
  #failReadyWaiters(error: AccordError): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  #onGoAway(session: Session): void {
    // New calls go to a new connection; subscriptions move over right away.
    if (session === this.#session && this.#subscriptions.size > 0) this.#connect().catch(() => this.#scheduleReconnect());
  }

  #onSessionClosed(session: Session): void {
    if (session !== this.#session) return;
    this.#session = undefined;
    if (this.#subscriptions.size > 0) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer !== undefined || this.#connecting || this.#subscriptions.size === 0) return;
    const policy = this.#options.reconnect;
    if (policy === false) return;
    if (policy?.maxAttempts !== undefined && this.#attempt >= policy.maxAttempts) {
      const error = new AccordError('UNAVAILABLE', `gave up reconnecting to ${this.#options.url} after ${this.#attempt} attempts`);
      this.#failReadyWaiters(error);
      this.#report(error);
      return;
    }
    const delay = backoffDelay(this.#attempt++, { initialMs: policy?.initialDelayMs ?? 100, maxMs: policy?.maxDelayMs ?? 5_000, factor: policy?.factor });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#usableSession()) return;
      this.#connect().catch(() => this.#scheduleReconnect());
    }, delay);
  }

  #report(error: AccordError, subscription?: EventSubscription): void {
    if (this.#options.onError) this.#options.onError(error, subscription);
    else console.warn(`accord ws: ${error.code}: ${error.message}`);
  }
}
