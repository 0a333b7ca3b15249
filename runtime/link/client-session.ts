/**
 * The calling half of a session: calls in flight by id, the callee's answers routed to them,
 * subscription frames handed to the client that owns them, goaway, and a heartbeat that notices a
 * dead peer with ping frames (browsers cannot see WebSocket protocol pings). When the connection
 * drops, every call in flight fails at once with UNAVAILABLE. Browser-safe.
 */
import { AccordError } from '../core/errors.js';
import type { FrameChannel } from './channel.js';
import type { ClientFrame, CloseReason, HelloFrame, ReplyFrame, ServerFrame, WelcomeFrame } from './frames.js';

/** A call in flight on a session: unary or stream. */
export interface PendingCall {
  deliver(frame: ServerFrame): void;
  fail(error: AccordError): void;
}

export interface ClientSessionHooks {
  /** Frames for subscriptions (event, subscribed, errors with a subscription id); false if unknown. */
  onSubscriptionFrame(session: ClientSession, frame: ReplyFrame): boolean;
  onGoAway(session: ClientSession): void;
  /** Whether the client has subscriptions (the heartbeat runs only while there is something to lose). */
  hasSubscriptions(): boolean;
  onClosed(session: ClientSession, error: AccordError): void;
}

export interface ClientSessionOptions {
  /** Who the peer is, for error messages (a URL, a node id). */
  peer: string;
  /** Ping after this long without frames; no answer within as long again closes the connection. 0 disables. */
  heartbeatIntervalMs: number;
  /** Ping even with nothing in flight (mesh links must notice a dead peer before a call needs it). */
  heartbeatWhenIdle?: boolean;
  /** With a hello: how long to wait for the welcome. */
  connectTimeoutMs?: number;
}

export class ClientSession {
  readonly calls = new Map<number, PendingCall>();
  /** Settles when the session is open (at once for sessions that open without a hello). */
  readonly ready: Promise<void>;
  welcome: WelcomeFrame | undefined;
  /** The peer sent goaway: finish what is in flight, send nothing new. */
  draining = false;
  readonly channel: FrameChannel;
  #state: 'connecting' | 'open' | 'closed';
  readonly #options: ClientSessionOptions;
  readonly #hooks: ClientSessionHooks;
  #resolveReady!: () => void;
  #rejectReady!: (error: AccordError) => void;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #lastReceived = Date.now();
  #pingSentAt: number | undefined;
  /** A connection-level error frame from the peer, reported when the connection closes. */
  #peerError: AccordError | undefined;

  /** `hello`: send it and wait for the welcome; without one the session is open at once. */
  constructor(channel: FrameChannel, options: ClientSessionOptions, hooks: ClientSessionHooks, hello?: HelloFrame) {
    this.channel = channel;
    this.#options = options;
    this.#hooks = hooks;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    this.#state = hello ? 'connecting' : 'open';
    if (hello) {
      channel.socket.send(channel.encode(hello));
      const timeout = options.connectTimeoutMs ?? 10_000;
      this.#connectTimer = setTimeout(() => this.close(new AccordError('UNAVAILABLE', `no welcome from ${options.peer} within ${timeout} ms`), 'normal'), timeout);
    } else {
      this.#opened();
    }
  }

  get open(): boolean {
    return this.#state === 'open';
  }

  /** Queues a frame; UNAVAILABLE when not open, PAYLOAD_TOO_LARGE when it alone is over the peer's frame limit. */
  send(frame: ClientFrame): void {
    if (this.#state !== 'open') throw new AccordError('UNAVAILABLE', `the connection to ${this.#options.peer} is not open`);
    this.channel.sendEncoded(this.channel.encode(frame), frame.type);
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

  /** A message from the peer. Something this side cannot read closes the connection. */
  receive(data: string | Uint8Array | ArrayBuffer, binary: boolean): void {
    this.#lastReceived = Date.now();
    try {
      this.channel.receive(data, binary);
    } catch (error) {
      const reason = error instanceof AccordError ? error.message : String(error);
      this.close(new AccordError('UNAVAILABLE', `${this.#options.peer} sent a frame this client cannot read (${reason})`), 'peerProtocolError');
    }
  }

  /** One frame from the peer (the channel validated it). */
  handle(frame: ServerFrame): void {
    this.#lastReceived = Date.now();
    switch (frame.type) {
      case 'result':
      case 'item':
      case 'end':
        this.calls.get(frame.id)?.deliver(frame);
        return;
      case 'error':
        if (frame.id === undefined || frame.id === null) {
          this.#peerError = AccordError.fromWire(frame.error);
          return;
        }
        {
          const call = this.calls.get(frame.id);
          if (call) call.deliver(frame);
          else this.#hooks.onSubscriptionFrame(this, frame as ReplyFrame);
        }
        return;
      case 'event':
      case 'subscribed':
        this.#hooks.onSubscriptionFrame(this, frame);
        return;
      case 'welcome':
        if (this.#state !== 'connecting') return;
        clearTimeout(this.#connectTimer);
        this.welcome = frame;
        if (typeof frame.limits.maxFrameBytes === 'number' && frame.limits.maxFrameBytes > 0) this.channel.maxMessageBytes = frame.limits.maxFrameBytes;
        this.#opened();
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

  /** Closes the connection; calls in flight fail with `error`. */
  close(error: AccordError, reason: CloseReason = 'normal'): void {
    if (this.#state === 'closed') return;
    this.channel.flush();
    try {
      this.channel.socket.close(reason, error.message.slice(0, 120));
    } catch {
      // already closing
    }
    this.closed(error);
  }

  /** The connection is gone (the adapter saw it close): fail what is in flight. */
  closed(error: AccordError): void {
    if (this.#state === 'closed') return;
    const wasConnecting = this.#state === 'connecting';
    this.#state = 'closed';
    clearTimeout(this.#connectTimer);
    clearInterval(this.#heartbeat);
    this.channel.closed();
    const reported = this.#peerError ?? error;
    if (wasConnecting) this.#rejectReady(reported);
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) call.fail(reported);
    this.#hooks.onClosed(this, reported);
  }

  #opened(): void {
    this.#state = 'open';
    this.#startHeartbeat();
    this.#resolveReady();
  }

  #startHeartbeat(): void {
    const interval = this.#options.heartbeatIntervalMs;
    if (!(interval > 0)) return;
    // By default only while calls or subscriptions are open: an idle client must not keep the
    // server's idle timeout from closing its connection, and has nothing to lose to a dead one.
    this.#heartbeat = setInterval(() => {
      if (!this.#options.heartbeatWhenIdle && this.calls.size === 0 && !this.#hooks.hasSubscriptions()) {
        this.#pingSentAt = undefined;
        return;
      }
      const now = Date.now();
      if (this.#pingSentAt !== undefined) {
        if (this.#lastReceived >= this.#pingSentAt) this.#pingSentAt = undefined;
        else if (now - this.#pingSentAt >= interval) {
          this.close(new AccordError('UNAVAILABLE', `${this.#options.peer} did not answer a ping for ${now - this.#pingSentAt} ms`), 'heartbeatTimeout');
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
}
