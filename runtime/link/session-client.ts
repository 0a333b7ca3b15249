/**
 * A client transport over one multiplexed connection at a time: it connects lazily on the first
 * call, multiplexes calls, streams and event subscriptions, fails calls in flight with UNAVAILABLE
 * when the connection drops (ServiceClient retries idempotent ones), and while there are
 * subscriptions reconnects with exponential backoff and jitter and resubscribes. How a connection
 * is opened is the transport's (`dial`): a WebSocket, a TCP socket. Browser-safe.
 */
import { backoffDelay } from '../core/backoff.js';
import type { ClientTransport, EventSubscription, OutgoingCall } from '../core/client-transport.js';
import { AccordError } from '../core/errors.js';
import { StreamCall, UnaryCall, type CallHost, type SessionUser } from './client-calls.js';
import type { ClientSession, ClientSessionHooks } from './client-session.js';
import type { ReplyFrame } from './frames.js';

export interface ReconnectOptions {
  /** First delay before jitter (default 100 ms). */
  initialDelayMs?: number;
  /** Ceiling of any delay (default 5 s). */
  maxDelayMs?: number;
  factor?: number;
  /** Give up after this many failed attempts in a row (default: never). */
  maxAttempts?: number;
}

export interface SessionClientOptions {
  /** Opens one connection and returns its session, open (handshake done); the session must use `hooks`. */
  dial(hooks: ClientSessionHooks): Promise<ClientSession>;
  /** What is dialled, for error messages (a URL, a peer). */
  target: string;
  /** Automatic reconnection while event subscriptions exist; `false` disables it. */
  reconnect?: ReconnectOptions | false;
  /** Items a stream may have outstanding (the credit window; default 32). */
  streamWindow?: number;
  /** Called when a subscription is refused or reconnecting gives up (default: console.warn). */
  onError?: (error: AccordError, subscription?: EventSubscription) => void;
}

export interface SessionClientTransport extends ClientTransport {
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

/** What every call, subscription and wait of a closed client fails with. */
function clientClosed(): AccordError {
  return new AccordError('UNAVAILABLE', 'the client is closed');
}

interface Subscription {
  id: number;
  spec: EventSubscription;
  listener: (data: unknown) => void;
  /** The session that confirmed it, if any. */
  confirmedOn: ClientSession | undefined;
}

export class SessionClient implements SessionClientTransport, CallHost {
  readonly #options: SessionClientOptions;
  #session: ClientSession | undefined;
  #connecting: Promise<ClientSession> | undefined;
  #nextId = 1;
  readonly #subscriptions = new Map<number, Subscription>();
  #readyWaiters: Array<{ resolve: () => void; reject: (error: AccordError) => void }> = [];
  #closed = false;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #hooks: ClientSessionHooks = {
    onSubscriptionFrame: (session, frame) => this.#onSubscriptionFrame(session, frame),
    onGoAway: (session) => this.#onGoAway(session),
    hasSubscriptions: () => this.#subscriptions.size > 0,
    onClosed: (session) => this.#onSessionClosed(session),
  };

  constructor(options: SessionClientOptions) {
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
    return { [Symbol.asyncIterator]: () => new StreamCall(this, this.#nextId++, call, window).items };
  }

  subscribe(spec: EventSubscription, listener: (data: unknown) => void): () => void {
    if (this.#closed) throw clientClosed();
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
    this.#failReadyWaiters(clientClosed());
    this.#session?.close(clientClosed(), 'normal');
    this.#session = undefined;
  }

  withSession(user: SessionUser): void {
    const session = this.#usableSession();
    if (session) return user.attach(session);
    this.#connect().then((s) => user.attach(s), (error: AccordError) => user.fail(error));
  }

  #usableSession(): ClientSession | undefined {
    const session = this.#session;
    return session && session.open && !session.draining ? session : undefined;
  }

  #connect(): Promise<ClientSession> {
    if (this.#closed) return Promise.reject(clientClosed());
    if (this.#connecting) return this.#connecting;
    const attempt = (async () => {
      const session = await this.#options.dial(this.#hooks);
      if (this.#closed) {
        session.close(clientClosed());
        throw clientClosed();
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
      throw error instanceof AccordError ? error : new AccordError('UNAVAILABLE', `cannot connect to ${this.#options.target}: ${(error as Error)?.message ?? error}`);
    });
  }

  #sendSubscribe(session: ClientSession, subscription: Subscription): void {
    subscription.confirmedOn = undefined;
    const { service, version, event } = subscription.spec;
    session.trySend({ type: 'subscribe', id: subscription.id, service, version, event });
  }

  #onSubscriptionFrame(session: ClientSession, frame: ReplyFrame): boolean {
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

  #onGoAway(session: ClientSession): void {
    // New calls go to a new connection; subscriptions move over right away.
    if (session === this.#session && this.#subscriptions.size > 0) this.#connect().catch(() => this.#scheduleReconnect());
  }

  #onSessionClosed(session: ClientSession): void {
    if (session !== this.#session) return;
    this.#session = undefined;
    if (this.#subscriptions.size > 0) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer !== undefined || this.#connecting || this.#subscriptions.size === 0) return;
    const policy = this.#options.reconnect;
    if (policy === false) return;
    if (policy?.maxAttempts !== undefined && this.#attempt >= policy.maxAttempts) {
      const error = new AccordError('UNAVAILABLE', `gave up reconnecting to ${this.#options.target} after ${this.#attempt} attempts`);
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
    else console.warn(`accord: ${error.code}: ${error.message}`);
  }
}
