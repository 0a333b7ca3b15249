/**
 * The calling side of the NATS transport, over one connection: used by `natsClient` and by the
 * router (nested and gateway calls from a server). Every reply comes through ONE inbox
 * subscription (`<inbox>.*`, dispatched by callback, no per-request subscription or iterator).
 *
 * nats.js leaves requests waiting for their timeout when the connection drops; here a disconnect
 * fails every call that was sent with UNAVAILABLE at once (generated clients retry idempotent
 * ones), and calls made while disconnected wait for the reconnect (up to `reconnectWaitMs`, never
 * past their deadline) before they are sent. A server that goes silent is noticed by heartbeat:
 * a unary call unanswered for `heartbeatMs` is probed (one `<prefix>._probe` message per sweep
 * lists every such call whose server is not known yet; a known server gets a ping on its control
 * subject) and the server running it pings back; a stream's server pings on its own. After
 * `missedHeartbeats` silent intervals the call fails with UNAVAILABLE, long before its deadline.
 * Plain calls thus carry no headers at all, like any NATS request.
 *
 * NATS drops a message its user may not publish and says so only on the connection (`-ERR
 * Permissions Violation`): `refused()` turns that into PERMISSION_DENIED for the calls sent to that
 * subject, at once, instead of letting them wait for their heartbeats to fail.
 */
import { createInbox, PermissionViolationError, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { OutgoingCall } from '../../core/client-transport.js';
import { msgpackCodec, type Codec } from '../../core/codecs.js';
import { AccordError } from '../../core/errors.js';
import { writeMetaHeaders } from '../../core/meta-headers.js';
import { UnaryCall, type CallBase, type CallHost } from './client-calls.js';
import { StreamCall } from './client-stream.js';
import type { Directory } from './directory.js';
import type { Subjects } from './subjects.js';
import { encodeBody, HEADERS, isCallerMetadata, MSGPACK_TYPE, toHeaders } from './wire.js';

/** How a caller behaves; `natsClient` takes these as they are. */
export interface CallerTuning {
  /** Liveness interval: a call unanswered this long is probed, a stream pings when idle (default 1 000 ms). */
  heartbeatMs?: number;
  /** Silent intervals after which a call's server counts as gone: UNAVAILABLE (default 3). */
  missedHeartbeats?: number;
  /** Items a stream may have outstanding: its credit window (default 32). */
  streamWindow?: number;
  /** How long calls made while disconnected wait for the reconnect (default 10 000 ms; never past their deadline). */
  reconnectWaitMs?: number;
  /** How long a call nobody answered waits for discovery, to tell UNIMPLEMENTED from UNAVAILABLE (default 500 ms). */
  discoveryWaitMs?: number;
  /** Calls and streams open at once, those waiting for a reconnect included; past it RESOURCE_EXHAUSTED (default 10 000). */
  maxPending?: number;
}

export interface CallerOptions extends CallerTuning {
  subjects: Subjects;
  codec: Codec;
  directory: Directory;
  inboxPrefix?: string;
}

/** Reply subjects per probe message (~60 bytes each: well under any max_payload). */
const PROBES_PER_MESSAGE = 1_000;

interface Request {
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs | undefined;
}

const NOT_CONNECTED = () => new AccordError('UNAVAILABLE', 'the connection to NATS was lost while the call was in flight (it may or may not have run)');

export class NatsCaller implements CallHost {
  readonly #nc: NatsConnection;
  readonly #options: Required<Omit<CallerOptions, 'inboxPrefix'>>;
  readonly #inbox: string;
  readonly #sub: Subscription;
  /** Calls open (sent, or held), by reply token. */
  readonly #pending = new Map<string, CallBase>();
  /** Requests made while disconnected, published once the connection is back. */
  readonly #held = new Map<CallBase, Request>();
  /** Headers of a call with nothing to say (undefined for JSON: no headers at all). */
  readonly #plainHeaders: MsgHdrs | undefined;
  readonly #sweep: ReturnType<typeof setInterval>;
  #nextId = 0;
  #connected = true;
  #disconnectedAt = 0;
  #closed: AccordError | undefined;

  constructor(nc: NatsConnection, options: CallerOptions) {
    this.#nc = nc;
    this.#options = {
      subjects: options.subjects,
      codec: options.codec,
      directory: options.directory,
      heartbeatMs: options.heartbeatMs ?? 1_000,
      missedHeartbeats: options.missedHeartbeats ?? 3,
      streamWindow: options.streamWindow ?? 32,
      reconnectWaitMs: options.reconnectWaitMs ?? 10_000,
      discoveryWaitMs: options.discoveryWaitMs ?? 500,
      maxPending: options.maxPending ?? 10_000,
    };
    this.#inbox = `${createInbox(options.inboxPrefix)}.`;
    this.#sub = nc.subscribe(`${this.#inbox}*`, { callback: (error, msg) => (error ? this.#inboxFailed(error) : this.#onReply(msg)) });
    this.#plainHeaders = this.#buildHeaders(undefined, undefined);
    this.#sweep = setInterval(() => this.#check(), Math.max(50, this.#options.heartbeatMs / 2));
    this.#sweep.unref?.();
  }

  /** Calls open now: sent and waiting for an answer, or held for a reconnect (a gauge reads it). */
  get pending(): number {
    return this.#pending.size;
  }

  unary(call: OutgoingCall): Promise<unknown> {
    return new Promise((resolve, reject) => new UnaryCall(this, call, resolve, reject).start());
  }

  stream(call: OutgoingCall): AsyncIterable<unknown> {
    return { [Symbol.asyncIterator]: () => new StreamCall(this, call, this.#options.streamWindow).items };
  }

  /** The connection dropped: every sent call fails now; new calls wait for the reconnect. */
  disconnected(): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#disconnectedAt = Date.now();
    for (const call of [...this.#pending.values()]) if (call.sent) call.fail(NOT_CONNECTED());
  }

  /** Back online: send what waited. */
  reconnected(): void {
    if (this.#connected) return;
    this.#connected = true;
    const held = [...this.#held];
    this.#held.clear();
    for (const [call, request] of held) this.#publish(call, request);
  }

  /**
   * The NATS server reported an error on the connection (a status of type `error`). A publish this
   * connection's user is not allowed fails the calls sent to that subject with PERMISSION_DENIED.
   */
  refused(error: Error): void {
    if (!(error instanceof PermissionViolationError) || error.operation !== 'publish') return;
    const denied = new AccordError('PERMISSION_DENIED', `the NATS server refused this connection's publish to ${error.subject}: its user has no permission to publish there (${error.message})`);
    for (const call of [...this.#pending.values()]) if (call.sent && this.subject(call.call) === error.subject) call.fail(denied);
  }

  /** Fails every call with `error` and refuses new ones (the connection closed or the client was closed). */
  close(error: AccordError): void {
    this.#closed ??= error;
    clearInterval(this.#sweep);
    for (const call of [...this.#pending.values()]) {
      if (call.sent) this.control(call, 'cancel');
      call.fail(error);
    }
    if (!this.#nc.isClosed()) this.#sub.unsubscribe();
  }

  // ---------------------------------------------------------------- CallHost

  encode(value: unknown): Uint8Array {
    return encodeBody(this.#options.codec, value);
  }

  subject(call: OutgoingCall): string {
    return this.#options.subjects.method(call.service, call.version, call.method);
  }

  requestHeaders(call: OutgoingCall, streamCredit?: number): MsgHdrs | undefined {
    // The common call (no metadata, deadline or network context) shares one prebuilt header map.
    if (streamCredit === undefined && call.deadline === undefined && !call.hops && !call.traceparent && !call.visited?.length && isEmpty(call.metadata)) return this.#plainHeaders;
    return this.#buildHeaders(call, streamCredit);
  }

  open(call: CallBase, subject: string, data: Uint8Array, headers: MsgHdrs | undefined): void {
    if (this.#closed) return call.fail(this.#closed);
    if (this.#pending.size >= this.#options.maxPending) {
      return call.fail(new AccordError('RESOURCE_EXHAUSTED', `too many calls open on this NATS client (limit ${this.#options.maxPending})`));
    }
    call.id = (this.#nextId++).toString(36);
    call.reply = this.#inbox + call.id;
    this.#pending.set(call.id, call);
    if (this.#connected) this.#publish(call, { subject, data, headers });
    else this.#held.set(call, { subject, data, headers });
  }

  forget(call: CallBase): void {
    if (this.#pending.get(call.id) === call) this.#pending.delete(call.id);
    if (!call.sent) this.#held.delete(call);
  }

  control(call: CallBase, frame: 'credit' | 'cancel' | 'ping', credit?: number): void {
    if (!call.sent || !this.#connected || this.#nc.isClosed()) return;
    const record: Record<string, string> = { [HEADERS.frame]: frame, [HEADERS.call]: call.reply };
    if (credit !== undefined) record[HEADERS.credit] = String(credit);
    call.lastSent = Date.now();
    // Before the server named its control subject, a cancel goes to every server (the one running it acts).
    const to = call.control ?? (frame === 'cancel' ? this.#options.subjects.cancel : undefined);
    if (to === undefined) return;
    try {
      this.#nc.publish(to, undefined, { headers: toHeaders(record) });
    } catch {
      // closing: the server's own deadline or heartbeat check ends the call
    }
  }

  explainNoResponders(call: OutgoingCall, subject: string): Promise<AccordError> {
    const left = call.deadline === undefined ? Infinity : call.deadline - Date.now();
    return this.#options.directory.explainNoResponders(call, subject, Math.max(0, Math.min(this.#options.discoveryWaitMs, left)));
  }

  // ---------------------------------------------------------------- internals

  #publish(call: CallBase, request: Request): void {
    try {
      this.#nc.publish(request.subject, request.data, { reply: call.reply, headers: request.headers });
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      const tooLarge = /max_payload/i.test(message);
      return call.fail(new AccordError(tooLarge ? 'PAYLOAD_TOO_LARGE' : 'UNAVAILABLE', `cannot send ${request.subject}: ${message}`));
    }
    call.sent = true;
    call.lastHeard = call.lastSent = Date.now();
  }

  #buildHeaders(call: OutgoingCall | undefined, streamCredit: number | undefined): MsgHdrs | undefined {
    const record: Record<string, string> = {};
    if (call) {
      for (const key in call.metadata) if (isCallerMetadata(key)) record[key] = call.metadata[key];
      writeMetaHeaders(call, record);
    }
    if (this.#options.codec === msgpackCodec) record[HEADERS.contentType] = MSGPACK_TYPE;
    if (streamCredit !== undefined) {
      record[HEADERS.stream] = String(streamCredit);
      // A stream's server pings on its own at this interval, and expects as much from the caller.
      record[HEADERS.heartbeat] = String(this.#options.heartbeatMs);
    }
    return isEmpty(record) ? undefined : toHeaders(record);
  }

  /** The reply subscription ended (its user may not subscribe to the inbox): no call can be answered on this connection. */
  #inboxFailed(error: Error): void {
    const inbox = `${this.#inbox}*`;
    this.close(error instanceof PermissionViolationError
      ? new AccordError('PERMISSION_DENIED', `the NATS server refused this connection's subscription to its reply subject ${inbox}: its user has no permission to subscribe there (allow _INBOX.> or set inboxPrefix)`)
      : new AccordError('UNAVAILABLE', `the subscription to the reply subject ${inbox} failed: ${error.message}`));
  }

  #onReply(msg: Msg): void {
    const call = this.#pending.get(msg.subject.slice(this.#inbox.length));
    if (call) return call.deliver(msg);
    // A server still working for a call this side gave up on (it pings, or streams on): stop it.
    const control = msg.headers?.get(HEADERS.control);
    if (control && msg.headers?.get(HEADERS.frame) !== 'end') {
      try {
        this.#nc.publish(control, undefined, { headers: toHeaders({ [HEADERS.frame]: 'cancel', [HEADERS.call]: msg.subject }) });
      } catch {
        // closing
      }
    }
  }

  /** Heartbeat sweep: fail calls whose server went silent, ping servers of open streams, give up on a long disconnect. */
  #check(): void {
    if (this.#pending.size === 0) return;
    const now = Date.now();
    const { heartbeatMs, missedHeartbeats, reconnectWaitMs } = this.#options;
    if (!this.#connected) {
      if (now - this.#disconnectedAt < reconnectWaitMs) return;
      const error = new AccordError('UNAVAILABLE', `not connected to NATS for ${now - this.#disconnectedAt} ms`);
      for (const call of [...this.#pending.values()]) call.fail(error);
      return;
    }
    const silentFor = heartbeatMs * missedHeartbeats;
    const probes: string[] = [];
    for (const call of [...this.#pending.values()]) {
      if (!call.sent) continue;
      const silent = now - call.lastHeard;
      if (silent > silentFor) {
        this.control(call, 'cancel');
        call.fail(new AccordError('UNAVAILABLE', `the server handling ${this.subject(call.call)} went silent for ${silent} ms (no reply or heartbeat); it may have stopped (the call may or may not have run)`));
      } else if (call.streaming) {
        // The server pings a stream itself; this side pings when it has sent nothing else.
        if (call.control !== undefined && now - call.lastSent >= heartbeatMs) this.control(call, 'ping');
      } else if (silent >= heartbeatMs && now - call.lastSent >= heartbeatMs) {
        // A unary call taking long: ask its server to say it is alive.
        call.lastSent = now;
        if (call.control !== undefined) this.control(call, 'ping');
        else probes.push(call.reply);
      }
    }
    for (let i = 0; i < probes.length; i += PROBES_PER_MESSAGE) {
      try {
        this.#nc.publish(this.#options.subjects.probe, JSON.stringify(probes.slice(i, i + PROBES_PER_MESSAGE)));
      } catch {
        // disconnected: the next sweep fails what stays silent
      }
    }
  }
}

function isEmpty(record: Record<string, string>): boolean {
  for (const _ in record) return false;
  return true;
}
