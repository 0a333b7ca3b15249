/**
 * The server's calls in flight, by the caller's reply subject: what control frames (credit,
 * cancel, ping) find, what heartbeats walk, and what a graceful stop cuts. Control frames come on
 * this process's control subject (named in pings and first stream items) or, for a cancel sent
 * before the caller knew that subject, on `<prefix>._cancel`, which every server hears.
 *
 * Heartbeats: a caller waiting long for a unary call asks whether it still runs, by a ping on the
 * control subject or, before it knows that subject, by listing its reply subject on
 * `<prefix>._probe` (every server hears it); the server running the call pings back. A stream's
 * caller says how often it wants a ping (`accord-heartbeat`); the server sends one whenever the
 * stream has sent nothing for that long, and stops a stream whose caller has sent nothing
 * (credit, ping) for `missedHeartbeats` intervals, so a dead consumer never holds a generator
 * until its deadline.
 */
import type { Msg, MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { CallScope } from '../../core/call-scope.js';
import type { Codec } from '../../core/codecs.js';
import { AccordError } from '../../core/errors.js';
import type { StreamSender } from '../../core/stream-sender.js';
import type { Route } from './routes.js';
import { HEADERS, headersOf } from './wire.js';

/** Heartbeat intervals callers may ask for are clamped to this range (ms). */
const MIN_HEARTBEAT_MS = 100;
const MAX_HEARTBEAT_MS = 60_000;

export const CANCELLED_BY_CALLER = new AccordError('CANCELLED', 'the caller cancelled the call');

/** One call in flight; it is its own cancellation scope (one allocation per call). */
export class ServerCall extends CallScope {
  /** Set once the result, the end or the error has gone out (or was dropped). */
  done = false;
  /** The caller cancelled: nobody waits for an answer. */
  cancelled = false;
  /** The sender, when this is a server stream. */
  sender: StreamSender | undefined;
  /** Why this side stopped the call (a stream stopped so reports it; core's own end-of-call abort does not count). */
  stoppedWith: AccordError | undefined;
  /** Whether the registry holds it (only calls still running after their first turn are tracked). */
  tracked = false;
  lastSent = 0;
  lastHeard = 0;
  readonly heartbeatMs: number;

  constructor(readonly reply: string, readonly route: Route, readonly codec: Codec, heartbeatMs: number, readonly started: number) {
    super();
    this.heartbeatMs = heartbeatMs > 0 ? Math.min(MAX_HEARTBEAT_MS, Math.max(MIN_HEARTBEAT_MS, heartbeatMs)) : 0;
  }

  /** Stops the handler (and a stream's sender) with `reason`. */
  stop(reason: AccordError): void {
    this.stoppedWith ??= reason;
    this.abort(reason);
    this.sender?.stop();
  }
}

export class ServerCalls {
  readonly #nc: NatsConnection;
  readonly #calls = new Map<string, ServerCall>();
  readonly #missed: number;
  readonly #ping: MsgHdrs;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** `control` is this process's control subject, named in every ping. */
  constructor(nc: NatsConnection, readonly control: string, missedHeartbeats: number) {
    this.#nc = nc;
    this.#missed = missedHeartbeats;
    this.#ping = headersOf({ [HEADERS.frame]: 'ping', [HEADERS.control]: control });
  }

  get size(): number {
    return this.#calls.size;
  }

  add(call: ServerCall): void {
    call.tracked = true;
    call.lastSent = call.lastHeard = Date.now();
    this.#calls.set(call.reply, call);
    if (this.#timer === undefined && call.heartbeatMs > 0) {
      this.#timer = setInterval(() => this.#tick(), MIN_HEARTBEAT_MS);
      this.#timer.unref?.();
    }
  }

  remove(call: ServerCall): void {
    if (call.tracked && this.#calls.get(call.reply) === call) this.#calls.delete(call.reply);
  }

  /** A control frame from a caller (on the control subject or the shared cancel subject). */
  onControl(msg: Msg): void {
    const headers = msg.headers;
    if (!headers) return;
    const call = this.#calls.get(headers.get(HEADERS.call));
    if (!call) return;
    call.lastHeard = Date.now();
    switch (headers.get(HEADERS.frame)) {
      case 'credit': {
        const credit = Number(headers.get(HEADERS.credit));
        if (Number.isSafeInteger(credit) && credit > 0) call.sender?.grant(credit);
        return;
      }
      case 'cancel':
        call.cancelled = true;
        call.stop(CANCELLED_BY_CALLER);
        return;
      default:
        // ping: a stream's caller says it is alive; a unary call's caller asks whether the call is.
        if (!call.sender) this.ping(call);
    }
  }

  /** A probe: the reply subjects of calls whose callers have waited long; those running here ping. */
  onProbe(msg: Msg): void {
    let replies: unknown;
    try {
      replies = msg.json();
    } catch {
      return;
    }
    if (!Array.isArray(replies)) return;
    for (const reply of replies) {
      const call = typeof reply === 'string' ? this.#calls.get(reply) : undefined;
      if (call && !call.done) this.ping(call);
    }
  }

  /** Stops every call (a graceful stop's grace period ended, or streams after a disconnect). */
  stopAll(reason: AccordError, which: 'all' | 'streams' = 'all'): void {
    for (const call of [...this.#calls.values()]) if (which === 'all' || call.sender) call.stop(reason);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (this.#calls.size === 0) return;
    const now = Date.now();
    for (const call of this.#calls.values()) {
      if (call.heartbeatMs === 0 || call.done) continue;
      if (call.sender && now - call.lastHeard > call.heartbeatMs * this.#missed) {
        call.cancelled = true;
        call.stop(new AccordError('UNAVAILABLE', `the caller of ${call.route.subject} went silent for ${now - call.lastHeard} ms; stream stopped`));
        continue;
      }
      if (now - call.lastSent >= call.heartbeatMs) this.ping(call);
    }
  }

  /** Tells the caller the call is alive, and where to send control frames. */
  ping(call: ServerCall): void {
    call.lastSent = Date.now();
    try {
      this.#nc.publish(call.reply, undefined, { headers: this.#ping });
    } catch {
      // disconnected or closing: the caller's own heartbeat check ends the call
    }
  }
}
