/**
 * The serving half of a session: call frames become call envelopes for the dispatcher, results and
 * stream items go back as frames, all multiplexed by the caller's ids. Cancel reaches the handler's
 * ctx.signal, streams send only with credit and while the connection drains, event subscriptions
 * cut off a consumer that falls too far behind, and a draining session refuses new calls. It never
 * validates, authorizes or runs handlers: that is the dispatcher's job. Browser-safe (it takes
 * the dispatcher as a value; nothing here imports Node).
 */
import { isPromiseLike } from '../core/bounded.js';
import type { ContractFingerprints } from '../core/contract-fingerprints.js';
import { CallScope } from '../core/call-scope.js';
import type { Dispatcher } from '../core/dispatcher.js';
import { deadlineFromTimeout, lowerCaseKeys, type CallEnvelope } from '../core/envelope.js';
import { AccordError, type WireError } from '../core/errors.js';
import { InFlight } from '../core/in-flight.js';
import { StreamSender } from '../core/stream-sender.js';
import type { FrameChannel } from './channel.js';
import { protocolError } from './frame-codec.js';
import type { CallFrame, ClientFrame, CloseReason, ServerFrame, SubscribeFrame } from './frames.js';

export interface ServerSessionLimits {
  maxInFlight: number;
  /** Largest credit window a caller may grant a stream, in items. */
  maxStreamCredit: number;
  maxSubscriptions: number;
  /** Connection bytes buffered past which the session is closed as a slow event consumer. */
  maxEventBufferBytes: number;
}

export interface ServerSessionOptions {
  limits: ServerSessionLimits;
  /** Caller metadata every call carries (e.g. upgrade headers plus hello metadata), lower-case keys. */
  headers: Record<string, string>;
  /** Prefix of the call ids the dispatcher sees (e.g. `ws12`), for logs. */
  idPrefix: string;
  /** The transport's name in metrics and spans ('ws', 'mesh'). */
  transport: string;
  /** Ends the connection (the session asks for it when cutting off a slow consumer). */
  close(reason: CloseReason, message: string): void;
}

const DEFAULT_STREAM_CREDIT = 16;
const CANCELLED_BY_CALLER = new AccordError('CANCELLED', 'the caller cancelled the call');
const CONNECTION_CLOSED = new AccordError('UNAVAILABLE', 'the connection closed');
const DRAINING = new AccordError('UNAVAILABLE', 'the server is shutting down; retry on a new connection');

/** One call in flight: its cancellation, and the sender when it is a stream. */
class ServerCall {
  readonly scope = new CallScope();
  sender: StreamSender | undefined;
}

function toWire(error: unknown): WireError {
  return error instanceof AccordError ? error.toWire() : { code: 'INTERNAL', message: 'internal error' };
}

export class ServerSession {
  readonly inFlight: InFlight;
  readonly #channel: FrameChannel;
  readonly #dispatcher: Dispatcher;
  readonly #options: ServerSessionOptions;
  readonly #calls = new Map<number, ServerCall>();
  readonly #subscriptions = new Map<number, () => void>();
  #draining = false;
  #closed = false;
  /** The method fingerprints the caller said it was built against (the hello's `contracts`). */
  #contracts: ContractFingerprints | undefined;
  #streams = 0;
  #itemsSent = 0;
  #eventsSent = 0;

  constructor(channel: FrameChannel, dispatcher: Dispatcher, options: ServerSessionOptions) {
    this.#channel = channel;
    this.#dispatcher = dispatcher;
    this.#options = options;
    this.inFlight = new InFlight(options.limits.maxInFlight);
  }

  /** Nothing in flight and nothing subscribed: an idle timeout may close the connection. */
  get idle(): boolean {
    return this.#calls.size === 0 && this.#subscriptions.size === 0;
  }

  get draining(): boolean {
    return this.#draining;
  }

  stats(): { inFlight: number; streams: number; subscriptions: number; itemsSent: number; eventsSent: number } {
    return { inFlight: this.#calls.size, streams: this.#streams, subscriptions: this.#subscriptions.size, itemsSent: this.#itemsSent, eventsSent: this.#eventsSent };
  }

  /** One frame from the caller; throws PROTOCOL_ERROR for frames that break the protocol. */
  handle(frame: ClientFrame): void {
    switch (frame.type) {
      case 'call':
        return this.#call(frame);
      case 'cancel': {
        const call = this.#calls.get(frame.id);
        if (call) this.#drop(frame.id, call, CANCELLED_BY_CALLER);
        return;
      }
      case 'credit':
        this.#calls.get(frame.id)?.sender?.grant(frame.credit);
        return;
      case 'subscribe':
        return this.#subscribe(frame);
      case 'unsubscribe': {
        const off = this.#subscriptions.get(frame.id);
        this.#subscriptions.delete(frame.id);
        off?.();
        return;
      }
      case 'ping':
        this.#send(frame.data === undefined ? { type: 'pong' } : { type: 'pong', data: frame.data });
        return;
      case 'pong':
        return;
      case 'hello':
        throw protocolError('hello was already received');
    }
  }

  /** The caller's contract fingerprints, from its hello: every call then carries its method's, for the dispatcher's check. */
  useContracts(contracts: ContractFingerprints | null | undefined): void {
    this.#contracts = contracts ?? undefined;
  }

  /** The fingerprint the caller's hello named for this call's method (own keys only: the map came off the wire). */
  #fingerprintOf(frame: CallFrame, version: number): string | undefined {
    const methods = this.#contracts![`${frame.service}.v${version}`];
    const fingerprint = methods !== undefined && Object.hasOwn(methods, frame.method) ? methods[frame.method] : undefined;
    return typeof fingerprint === 'string' ? fingerprint : undefined;
  }

  /** Graceful stop, step one: refuse new calls and tell the caller to go elsewhere. */
  drain(reason = 'server shutting down'): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#send({ type: 'goaway', reason });
    this.#channel.flush();
  }

  /** Ends every call still running with `error` (sent to the caller) before the connection closes. */
  endCalls(error: AccordError = this.#draining ? DRAINING : CONNECTION_CLOSED): void {
    for (const [id, call] of this.#calls) {
      this.#send({ type: 'error', id, error: error.toWire() });
      this.#drop(id, call, error);
    }
    this.#channel.flush();
  }

  /** The connection is gone: abort every call and drop every subscription. */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, call] of this.#calls) this.#drop(id, call, CONNECTION_CLOSED);
    for (const off of this.#subscriptions.values()) off();
    this.#subscriptions.clear();
  }

  #call(frame: CallFrame): void {
    const id = frame.id;
    if (this.#calls.has(id) || this.#subscriptions.has(id)) throw protocolError(`id ${id} is already in use on this connection`);
    if (this.#draining) return this.#send({ type: 'error', id, error: DRAINING.toWire() });
    if (!this.inFlight.tryAcquire()) {
      return this.#send({ type: 'error', id, error: { code: 'RESOURCE_EXHAUSTED', message: `too many calls in flight on this connection (limit ${this.#options.limits.maxInFlight})` } });
    }
    const call = new ServerCall();
    this.#calls.set(id, call);
    const envelope = this.#envelope(frame);
    if (frame.stream) this.#runStream(id, envelope, call, frame.credit ?? DEFAULT_STREAM_CREDIT);
    else this.#runUnary(id, envelope, call);
  }

  #envelope(frame: CallFrame): CallEnvelope {
    const headers = this.#options.headers;
    return {
      id: `${this.#options.idPrefix}-${frame.id}`,
      service: frame.service,
      version: frame.version ?? undefined,
      method: frame.method,
      input: frame.input,
      transport: this.#options.transport,
      meta: {
        deadline: deadlineFromTimeout(frame.timeout ?? undefined),
        traceparent: frame.traceparent ?? undefined,
        hops: frame.hops ?? 0,
        visited: frame.visited ?? undefined,
        headers: frame.metadata ? { ...headers, ...lowerCaseKeys(frame.metadata) } : headers,
        fingerprint: this.#contracts === undefined || frame.version === undefined ? undefined : this.#fingerprintOf(frame, frame.version),
      },
    };
  }

  #runUnary(id: number, envelope: CallEnvelope, call: ServerCall): void {
    let result: unknown;
    try {
      result = this.#dispatcher.unaryNow(envelope, call.scope);
    } catch (error) {
      return this.#finish(id, call, { type: 'error', id, error: toWire(error) });
    }
    if (!isPromiseLike(result)) return this.#finish(id, call, { type: 'result', id, output: result });
    result.then(
      (output) => this.#finish(id, call, { type: 'result', id, output }),
      (error: unknown) => this.#finish(id, call, { type: 'error', id, error: toWire(error) }),
    );
  }

  #runStream(id: number, envelope: CallEnvelope, call: ServerCall, credit: number): void {
    const channel = this.#channel;
    this.#streams++;
    call.sender = new StreamSender(this.#dispatcher.stream(envelope, call.scope), {
      item: (output) => {
        if (this.#calls.get(id) !== call) return;
        this.#send({ type: 'item', id, output });
        this.#itemsSent++;
      },
      end: (error) => {
        this.#streams--;
        this.#finish(id, call, error === undefined ? { type: 'end', id } : { type: 'error', id, error: toWire(error) });
      },
    }, {
      credit,
      maxCredit: this.#options.limits.maxStreamCredit,
      // Pull only while the connection keeps up; a full socket pauses the handler, not a buffer.
      pressure: () => (channel.congested ? channel.drained() : undefined),
      // A stream paused past its deadline (no credit, a socket not read) ends then (core StreamSender).
      scope: call.scope,
    });
    void call.sender.run();
  }

  /** Sends the call's last frame, unless it was cancelled or the connection closed meanwhile. */
  #finish(id: number, call: ServerCall, frame: ServerFrame): void {
    if (this.#calls.get(id) !== call) return;
    this.#calls.delete(id);
    this.inFlight.release();
    this.#send(frame);
  }

  /** Ends a call without a last frame (cancelled, or the connection is going): aborts the handler. */
  #drop(id: number, call: ServerCall, reason: AccordError): void {
    this.#calls.delete(id);
    this.inFlight.release();
    call.scope.abort(reason);
    call.sender?.stop();
  }

  #subscribe(frame: SubscribeFrame): void {
    const id = frame.id;
    if (this.#subscriptions.has(id) || this.#calls.has(id)) throw protocolError(`subscription id ${id} is already in use`);
    if (this.#subscriptions.size >= this.#options.limits.maxSubscriptions) {
      return this.#send({ type: 'error', id, error: { code: 'RESOURCE_EXHAUSTED', message: `too many subscriptions on this connection (limit ${this.#options.limits.maxSubscriptions})` } });
    }
    let access: ReturnType<Dispatcher['eventAccess']>;
    try {
      access = this.#dispatcher.eventAccess(this.#options.headers, frame.service, frame.version ?? undefined, frame.event);
    } catch (error) {
      return this.#send({ type: 'error', id, error: toWire(error) });
    }
    if (!isPromiseLike(access)) return this.#activate(frame);
    // An async authenticate hook: the id is taken meanwhile; events before `subscribed` are not delivered.
    const pending = () => undefined;
    this.#subscriptions.set(id, pending);
    access.then(
      () => {
        if (this.#subscriptions.get(id) === pending) this.#activate(frame);
      },
      (error: unknown) => {
        if (this.#subscriptions.get(id) !== pending) return;
        this.#subscriptions.delete(id);
        this.#send({ type: 'error', id, error: toWire(error) });
      },
    );
  }

  #activate(frame: SubscribeFrame): void {
    const id = frame.id;
    let subscription: ReturnType<Dispatcher['subscribe']>;
    try {
      subscription = this.#dispatcher.subscribe(frame.service, frame.version ?? undefined, frame.event, (data) => this.#deliver(id, data));
    } catch (error) {
      this.#subscriptions.delete(id);
      return this.#send({ type: 'error', id, error: toWire(error) });
    }
    this.#subscriptions.set(id, subscription.unsubscribe);
    this.#send({ type: 'subscribed', id, service: subscription.service.name, version: subscription.service.version, event: frame.event });
  }

  #deliver(id: number, data: unknown): void {
    if (this.#closed) return;
    // Events cannot be paused: a consumer this far behind is cut off (it reconnects and resubscribes).
    if (this.#channel.buffered > this.#options.limits.maxEventBufferBytes) {
      this.#send({ type: 'error', error: { code: 'RESOURCE_EXHAUSTED', message: 'slow consumer: too many event bytes buffered' } });
      this.#options.close('tryAgainLater', 'slow consumer');
      return;
    }
    this.#send({ type: 'event', id, data });
    this.#eventsSent++;
  }

  #send(frame: ServerFrame): void {
    if (this.#closed) return;
    try {
      this.#channel.send(frame);
    } catch (error) {
      // The output would not encode (e.g. a BigInt in JSON): fail that call, not the connection.
      this.#dispatcher.logger.error({ err: error, frame: frame.type }, 'could not encode a frame');
      if ('id' in frame && frame.id !== undefined) {
        this.#channel.send({ type: 'error', id: frame.id, error: { code: 'INTERNAL', message: `the ${frame.type} could not be encoded as ${this.#channel.codec}` } });
      }
    }
  }
}
