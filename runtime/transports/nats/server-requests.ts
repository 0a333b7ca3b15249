/**
 * A request on a method subject becomes a call envelope for the dispatcher, and its result an
 * answer on the request's reply subject: the output as the body (JSON, or MessagePack when the
 * request's content type says so), or Accord's `{code, message, data}` with the micro error
 * headers. A request with no headers at all is plain JSON from any NATS client (`nats req`).
 * A request with `accord-stream` is a server stream: items go to the reply subject as they come,
 * each numbered, only while the caller holds credit (core StreamSender).
 */
import type { Msg, MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { isPromiseLike } from '../../core/bounded.js';
import { msgpackCodec, type Codec } from '../../core/codecs.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import { nextCallId, type CallEnvelope, type CallMeta } from '../../core/envelope.js';
import { AccordError, type WireError } from '../../core/errors.js';
import { InFlight } from '../../core/in-flight.js';
import { metaFromHeaders } from '../../core/meta-headers.js';
import { StreamSender } from '../../core/stream-sender.js';
import type { Route } from './routes.js';
import { ServerCall, type ServerCalls } from './server-calls.js';
import { codecOf, decodeBody, encodeBody, errorHeaders, HEADERS, headerRecord, headersOf, MSGPACK_TYPE } from './wire.js';

export interface ServingLimits {
  /** Calls and streams in flight in this process; past it a request gets RESOURCE_EXHAUSTED. */
  maxInFlight: number;
  /** Largest credit a caller may grant a stream, in items. */
  maxStreamCredit: number;
}

const DRAINING = new AccordError('UNAVAILABLE', 'the server is shutting down; retry');
const MSGPACK_RESULT: MsgHdrs = headersOf({ [HEADERS.contentType]: MSGPACK_TYPE });

function toWire(error: unknown): WireError {
  return error instanceof AccordError ? error.toWire() : { code: 'INTERNAL', message: 'internal error' };
}

export class RequestHandler {
  readonly inFlight: InFlight;
  /** Set by a graceful stop: requests that still arrive are answered UNAVAILABLE. */
  draining = false;
  readonly #nc: NatsConnection;
  readonly #dispatcher: Dispatcher;
  readonly #calls: ServerCalls;
  readonly #limits: ServingLimits;

  constructor(nc: NatsConnection, dispatcher: Dispatcher, calls: ServerCalls, limits: ServingLimits) {
    this.#nc = nc;
    this.#dispatcher = dispatcher;
    this.#calls = calls;
    this.#limits = limits;
    this.inFlight = new InFlight(limits.maxInFlight);
  }

  handle(route: Route, msg: Msg): void {
    const reply = msg.reply;
    // A publish without a reply subject asks for nothing: there is no one to answer.
    if (!reply) return;
    const started = performance.now();
    route.stats.requests++;
    const record = msg.headers ? headerRecord(msg.headers) : undefined;
    const codec = codecOf(record?.[HEADERS.contentType]);
    const call = new ServerCall(reply, route, codec, record ? Number(record[HEADERS.heartbeat]) || 0 : 0, started);
    let envelope: CallEnvelope;
    let credit: number | undefined;
    try {
      const meta: CallMeta = record ? metaFromHeaders(record) : { hops: 0, headers: {} };
      const input = decodeBody(codec, msg.data, `the body of the request on ${msg.subject}`);
      envelope = { id: nextCallId(), service: route.service.name, version: route.service.version, method: route.name, input, meta, transport: 'nats' };
      const stream = record?.[HEADERS.stream];
      if (stream !== undefined) {
        credit = Number(stream);
        if (!Number.isSafeInteger(credit) || credit < 1) throw new AccordError('PROTOCOL_ERROR', `${HEADERS.stream} must be a positive integer (the initial credit), got '${stream}'`);
      }
      if (this.draining) throw DRAINING;
      if (!this.inFlight.tryAcquire()) throw new AccordError('RESOURCE_EXHAUSTED', `too many calls in flight on this server (limit ${this.#limits.maxInFlight}); retry later`);
    } catch (error) {
      call.done = true;
      return this.#replyError(call, error);
    }
    if (credit !== undefined) {
      this.#calls.add(call);
      return this.#stream(call, envelope, credit);
    }
    let result: unknown;
    try {
      result = this.#dispatcher.unaryNow(envelope, call);
    } catch (error) {
      return this.#finish(call, undefined, error);
    }
    // A call that ended in this turn cannot be probed or cancelled: only async ones are tracked.
    if (!isPromiseLike(result)) return this.#finish(call, result);
    this.#calls.add(call);
    result.then((output) => this.#finish(call, output), (error: unknown) => this.#finish(call, undefined, error));
  }

  #finish(call: ServerCall, output: unknown, error?: unknown): void {
    if (call.done) return;
    call.done = true;
    this.#calls.remove(call);
    this.inFlight.release();
    if (call.cancelled) return call.route.stats.ended(call.started, { status: 499, message: 'cancelled by the caller' });
    if (error !== undefined) return this.#replyError(call, error);
    let data: Uint8Array;
    try {
      data = encodeBody(call.codec, output);
    } catch (cause) {
      this.#dispatcher.logger.error({ err: cause, subject: call.route.subject }, 'nats: could not encode an output');
      return this.#replyError(call, new AccordError('INTERNAL', `the output could not be encoded as ${call.codec.name}`));
    }
    if (this.#send(call, data, call.codec === msgpackCodec ? MSGPACK_RESULT : undefined)) call.route.stats.ended(call.started);
  }

  #stream(call: ServerCall, envelope: CallEnvelope, credit: number): void {
    let seq = 0;
    let failure: AccordError | undefined;
    const sender = new StreamSender(this.#dispatcher.stream(envelope, call), {
      item: (value) => {
        const record: Record<string, string> = { [HEADERS.frame]: 'item', [HEADERS.seq]: String(seq) };
        // The first message names where credit and cancel go; pings repeat it.
        if (seq === 0) record[HEADERS.control] = this.#calls.control;
        if (call.codec === msgpackCodec) record[HEADERS.contentType] = MSGPACK_TYPE;
        let data: Uint8Array;
        try {
          data = encodeBody(call.codec, value);
        } catch {
          failure = new AccordError('INTERNAL', `stream item ${seq} could not be encoded as ${call.codec.name}`);
          return sender.stop();
        }
        if (!this.#send(call, data, headersOf(record), false)) {
          failure ??= new AccordError('INTERNAL', `stream item ${seq} could not be sent`);
          return sender.stop();
        }
        seq++;
      },
      end: (error) => this.#endStream(call, failure ?? error, seq),
    }, {
      credit: Math.min(credit, this.#limits.maxStreamCredit),
      maxCredit: this.#limits.maxStreamCredit,
      // A caller that never grants more credit (and asked for no heartbeats) holds the stream only until its deadline.
      scope: call,
    });
    call.sender = sender;
    void sender.run();
  }

  #endStream(call: ServerCall, error: unknown, items: number): void {
    if (call.done) return;
    call.done = true;
    this.#calls.remove(call);
    this.inFlight.release();
    if (call.cancelled) return call.route.stats.ended(call.started, { status: 499, message: 'cancelled by the caller' });
    // A stream this side stopped (shutdown, disconnect) ends with the reason it was stopped for.
    if (error === undefined) error = call.stoppedWith;
    if (error !== undefined) return this.#replyError(call, error);
    const headers = headersOf({ [HEADERS.frame]: 'end', [HEADERS.seq]: String(items) });
    if (this.#send(call, new Uint8Array(0), headers)) call.route.stats.ended(call.started);
  }

  #replyError(call: ServerCall, error: unknown): void {
    const wire = toWire(error);
    if (!(error instanceof AccordError)) this.#dispatcher.logger.error({ err: error, subject: call.route.subject }, 'nats: unexpected error');
    const status = call.route.statusOf(wire.code);
    call.route.stats.ended(call.started, { status, message: wire.message });
    let data: Uint8Array;
    try {
      data = encodeBody(call.codec, wire);
    } catch {
      data = encodeBody(call.codec, { code: 'INTERNAL', message: 'the error data could not be encoded' });
    }
    this.#send(call, data, errorHeaders(wire, status, call.codec), false);
  }

  /**
   * Publishes to the caller's reply subject; false when it could not be sent. An answer over the
   * NATS server's max_payload becomes an INTERNAL error the caller can read (when `fallback`).
   */
  #send(call: ServerCall, data: Uint8Array, headers: MsgHdrs | undefined, fallback = true): boolean {
    try {
      this.#nc.publish(call.reply, data, headers ? { headers } : undefined);
      // Heartbeats count from the last message sent; a call that ended in its first turn has none.
      if (call.tracked) call.lastSent = Date.now();
      return true;
    } catch (error) {
      const max = this.#nc.info?.max_payload;
      if (fallback && max !== undefined && data.length >= max) {
        this.#replyError(call, new AccordError('INTERNAL', `the answer (${data.length} bytes) is over the NATS server's max_payload of ${max} bytes`));
      } else {
        this.#dispatcher.logger.warn({ err: error, subject: call.route.subject }, 'nats: could not send an answer');
      }
      return false;
    }
  }
}
