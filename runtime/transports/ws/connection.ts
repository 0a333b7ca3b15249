/**
 * One accepted WebSocket connection on the server: the hello handshake, then calls, streams and
 * event subscriptions multiplexed by id. It only turns frames into call envelopes for the
 * dispatcher and results back into frames; validation, auth and handlers are the dispatcher's.
 */
import type { WebSocket } from 'ws';
import { CallScope } from '../../core/call-scope.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import { deadlineFromTimeout, lowerCaseKeys, type CallEnvelope } from '../../core/envelope.js';
import { AccordError, type WireError } from '../../core/errors.js';
import { CreditWindow } from '../../core/flow-control.js';
import { InFlight } from '../../core/in-flight.js';
import { Outbox, nextTurn } from './outbox.js';
import {
  CLOSE, PROTOCOL_VERSION, SUPPORTED_VERSIONS, decodeMessage, encodedSize, parseClientFrame, protocolError,
  type CallFrame, type ClientFrame, type CodecName, type EncodedFrame, type HelloFrame, type ServerFrame, type SubscribeFrame,
} from './protocol.js';

export interface ConnectionLimits {
  maxFrameBytes: number;
  maxInFlight: number;
  maxStreamCredit: number;
  maxSubscriptions: number;
  heartbeatIntervalMs: number;
  /** Socket bytes buffered past which streams stop pulling items until the socket drains. */
  highWaterBytes: number;
  /** Socket bytes buffered past which the connection is closed as a slow event consumer. */
  maxEventBufferBytes: number;
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

const DEFAULT_STREAM_CREDIT = 16;
const CONNECTION_CLOSED = new AccordError('UNAVAILABLE', 'the connection closed');
const CANCELLED_BY_CLIENT = new AccordError('CANCELLED', 'the caller cancelled the call');
const SHUTTING_DOWN = new AccordError('UNAVAILABLE', 'the server is shutting down; retry on a new connection');

/** State of one call in flight. */
class ServerCall {
  readonly scope = new CallScope();
  constructor(readonly window: CreditWindow | undefined) {}
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

function toWire(error: unknown): WireError {
  return error instanceof AccordError ? error.toWire() : { code: 'INTERNAL', message: 'internal error' };
}

export class WsConnection {
  readonly id: number;
  readonly #ws: WebSocket;
  readonly #dispatcher: Dispatcher;
  readonly #limits: ConnectionLimits;
  readonly #onClosed: (connection: WsConnection) => void;
  #state: 'hello' | 'open' | 'closing' | 'closed' = 'hello';
  #codec: CodecName = 'json';
  #headers: Record<string, string>;
  readonly #calls = new Map<number, ServerCall>();
  readonly #subscriptions = new Map<number, () => void>();
  readonly inFlight: InFlight;
  readonly #outbox: Outbox;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #draining = false;
  #pendingWrites = 0;
  #drainWaiters: Array<() => void> = [];
  #streams = 0;
  #maxBuffered = 0;
  #itemsSent = 0;
  #eventsSent = 0;
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
    this.#dispatcher = dispatcher;
    this.#limits = limits;
    this.#onClosed = onClosed;
    this.#headers = upgradeHeaders;
    this.inFlight = new InFlight(limits.maxInFlight);
    this.#outbox = new Outbox('json', Math.max(limits.maxFrameBytes, 64 * 1024), this.#write);
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

  get open(): boolean {
    return this.#state === 'open';
  }

  /** Nothing in flight, streaming or subscribed: the idle timeout may close it. */
  get idle(): boolean {
    return this.#calls.size === 0 && this.#subscriptions.size === 0;
  }

  stats(): ConnectionStats {
    return {
      id: this.id,
      codec: this.#codec,
      state: this.#state,
      inFlight: this.#calls.size,
      streams: this.#streams,
      subscriptions: this.#subscriptions.size,
      bufferedBytes: this.#buffered(),
      maxBufferedBytes: this.#maxBuffered,
      itemsSent: this.#itemsSent,
      eventsSent: this.#eventsSent,
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
    this.#draining = true;
    if (this.#state === 'open') {
      this.#send({ type: 'goaway', reason: 'server shutting down' });
      this.#outbox.flush();
    }
  }

  /** Closes with `code` (graceful stop, idle, slow consumer); what is still in flight fails with UNAVAILABLE. */
  close(code: number, reason: string): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    const error = this.#draining ? SHUTTING_DOWN : new AccordError('UNAVAILABLE', `the server closed the connection (${reason})`);
    for (const [id, call] of this.#calls) {
      this.#send({ type: 'error', id, error: error.toWire() });
      call.scope.abort(error);
      call.window?.close();
      this.inFlight.release();
    }
    this.#calls.clear();
    this.#outbox.flush();
    this.#state = 'closing';
    this.#ws.close(code, reason);
    // A peer that does not answer the close handshake (dead, or not reading) is cut off.
    this.#closeTimer ??= setTimeout(() => this.#ws.terminate(), 2_000);
    this.#closeTimer.unref?.();
  }

  terminate(): void {
    this.#ws.terminate();
  }

  // ---------------------------------------------------------------- incoming

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    this.alive = true;
    this.lastActivity = Date.now();
    try {
      const frames = decodeMessage(data, isBinary);
      if (this.#state === 'hello') {
        if (frames.length !== 1) throw protocolError('the first message must be a single hello frame');
        const frame = parseClientFrame(frames[0]);
        if (frame.type !== 'hello') throw protocolError(`expected a hello frame first, got '${frame.type}'`);
        this.#hello(frame, isBinary);
        return;
      }
      for (const raw of frames) this.#handle(parseClientFrame(raw));
    } catch (error) {
      this.#fail(error instanceof AccordError ? error : protocolError('could not process a frame'), isBinary);
    }
  }

  #hello(frame: HelloFrame, isBinary: boolean): void {
    if (!SUPPORTED_VERSIONS.includes(frame.version)) {
      this.#fail(protocolError(`protocol version ${frame.version} is not supported`, { supported: SUPPORTED_VERSIONS }), isBinary);
      return;
    }
    clearTimeout(this.#helloTimer);
    this.#codec = frame.codec;
    this.#outbox.codec = frame.codec;
    if (frame.metadata) this.#headers = { ...this.#headers, ...lowerCaseKeys(frame.metadata) };
    this.#state = 'open';
    const l = this.#limits;
    this.#send({
      type: 'welcome',
      version: PROTOCOL_VERSION,
      codec: frame.codec,
      limits: { maxFrameBytes: l.maxFrameBytes, maxInFlight: l.maxInFlight, maxStreamCredit: l.maxStreamCredit, heartbeatIntervalMs: l.heartbeatIntervalMs },
    });
    if (this.#draining) this.drain();
  }

  #handle(frame: ClientFrame): void {
    switch (frame.type) {
      case 'call':
        return this.#call(frame);
      case 'cancel': {
        const call = this.#calls.get(frame.id);
        if (call) this.#end(frame.id, call, CANCELLED_BY_CLIENT);
        return;
      }
      case 'credit':
        this.#calls.get(frame.id)?.window?.grant(frame.credit);
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

  #call(frame: CallFrame): void {
    const id = frame.id;
    if (this.#calls.has(id) || this.#subscriptions.has(id)) throw protocolError(`id ${id} is already in use on this connection`);
    if (this.#draining) {
      this.#send({ type: 'error', id, error: SHUTTING_DOWN.toWire() });
      return;
    }
    if (!this.inFlight.tryAcquire()) {
      this.#send({ type: 'error', id, error: { code: 'RESOURCE_EXHAUSTED', message: `too many calls in flight on this connection (limit ${this.#limits.maxInFlight})` } });
      return;
    }
    const envelope: CallEnvelope = {
      id: `ws${this.id}-${id}`,
      service: frame.service,
      version: frame.version ?? undefined,
      method: frame.method,
      input: frame.input,
      meta: {
        deadline: deadlineFromTimeout(frame.timeout ?? undefined),
        traceparent: frame.traceparent ?? undefined,
        hops: frame.hops ?? 0,
        headers: frame.metadata ? { ...this.#headers, ...lowerCaseKeys(frame.metadata) } : this.#headers,
      },
    };
    if (frame.stream) {
      const window = new CreditWindow(frame.credit ?? DEFAULT_STREAM_CREDIT, this.#limits.maxStreamCredit);
      const call = new ServerCall(window);
      this.#calls.set(id, call);
      void this.#runStream(id, envelope, call);
    } else {
      const call = new ServerCall(undefined);
      this.#calls.set(id, call);
      void this.#runUnary(id, envelope, call);
    }
  }

  async #runUnary(id: number, envelope: CallEnvelope, call: ServerCall): Promise<void> {
    let frame: ServerFrame;
    try {
      frame = { type: 'result', id, output: await this.#dispatcher.unary(envelope, call.scope) };
    } catch (error) {
      frame = { type: 'error', id, error: toWire(error) };
    }
    this.#finish(id, call, frame);
  }

  async #runStream(id: number, envelope: CallEnvelope, call: ServerCall): Promise<void> {
    const window = call.window!;
    const items = this.#dispatcher.stream(envelope, call.scope);
    this.#streams++;
    let sinceYield = 0;
    try {
      for (;;) {
        // Pull only with credit from the client and room in the socket's buffer.
        while (!window.take()) {
          await window.wait();
          if (window.closed) return;
        }
        if (this.#ws.readyState !== 1) return;
        if (this.#buffered() >= this.#limits.highWaterBytes) {
          await this.#drained();
          if (this.#calls.get(id) !== call) return;
        } else if (++sinceYield >= 64) {
          // A fast generator with plenty of credit must not starve other connections: yield a turn
          // (which also sends the batch) every so many items.
          sinceYield = 0;
          await new Promise<void>((resolve) => nextTurn(resolve));
          if (this.#calls.get(id) !== call) return;
        }
        const next = await items.next();
        if (this.#calls.get(id) !== call) return;
        if (next.done) {
          this.#finish(id, call, { type: 'end', id });
          return;
        }
        this.#send({ type: 'item', id, output: next.value });
        this.#itemsSent++;
      }
    } catch (error) {
      this.#finish(id, call, { type: 'error', id, error: toWire(error) });
    } finally {
      this.#streams--;
      // Stopped early (cancel, disconnect): end the dispatcher's generator, which ends the handler's.
      if (this.#calls.get(id) !== call) void items.return(undefined).catch(() => undefined);
    }
  }

  /** Sends the call's last frame, unless it was cancelled or the connection closed meanwhile. */
  #finish(id: number, call: ServerCall, frame: ServerFrame): void {
    if (this.#calls.get(id) !== call) return;
    this.#calls.delete(id);
    this.inFlight.release();
    this.#send(frame);
  }

  /** Ends a call without a last frame (cancelled): aborts the handler. */
  #end(id: number, call: ServerCall, reason: AccordError): void {
    this.#calls.delete(id);
    this.inFlight.release();
    call.scope.abort(reason);
    call.window?.close();
  }

  #subscribe(frame: SubscribeFrame): void {
    const id = frame.id;
    if (this.#subscriptions.has(id) || this.#calls.has(id)) throw protocolError(`subscription id ${id} is already in use`);
    if (this.#subscriptions.size >= this.#limits.maxSubscriptions) {
      this.#send({ type: 'error', id, error: { code: 'RESOURCE_EXHAUSTED', message: `too many subscriptions on this connection (limit ${this.#limits.maxSubscriptions})` } });
      return;
    }
    let subscription: ReturnType<Dispatcher['subscribe']>;
    try {
      subscription = this.#dispatcher.subscribe(frame.service, frame.version ?? undefined, frame.event, (data) => this.#deliver(id, data));
    } catch (error) {
      this.#send({ type: 'error', id, error: toWire(error) });
      return;
    }
    const { service, unsubscribe: off } = subscription;
    this.#subscriptions.set(id, off);
    this.#send({ type: 'subscribed', id, service: service.name, version: service.version, event: frame.event });
  }

  #deliver(id: number, data: unknown): void {
    if (this.#state !== 'open') return;
    // Events cannot be paused: a consumer this far behind is cut off (it reconnects and resubscribes).
    if (this.#buffered() > this.#limits.maxEventBufferBytes) {
      this.#send({ type: 'error', error: { code: 'RESOURCE_EXHAUSTED', message: 'slow consumer: too many event bytes buffered' } });
      this.close(CLOSE.tryAgainLater, 'slow consumer');
      return;
    }
    this.#send({ type: 'event', id, data });
    this.#eventsSent++;
  }

  // ---------------------------------------------------------------- outgoing

  #buffered(): number {
    return this.#ws.bufferedAmount + this.#outbox.bytes;
  }

  #send(frame: ServerFrame): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    try {
      this.#outbox.push(frame);
    } catch (error) {
      // The output would not encode (e.g. a BigInt in JSON): fail that call, not the connection.
      this.#dispatcher.logger.error({ err: error, frame: frame.type }, 'ws: could not encode a frame');
      if ('id' in frame && frame.id !== undefined) {
        this.#outbox.push({ type: 'error', id: frame.id, error: { code: 'INTERNAL', message: `the ${frame.type} could not be encoded as ${this.#codec}` } });
      }
    }
    const buffered = this.#buffered();
    if (buffered > this.#maxBuffered) this.#maxBuffered = buffered;
  }

  readonly #write = (message: EncodedFrame): void => {
    if (this.#ws.readyState !== 1) return;
    // Ask for a write callback whenever the socket may be filling up, so #drained() can wait on it.
    if (this.#ws.bufferedAmount + encodedSize(message) > this.#limits.highWaterBytes / 2) {
      this.#pendingWrites++;
      this.#ws.send(message, this.#afterWrite);
    } else {
      this.#ws.send(message);
    }
  };

  readonly #afterWrite = (): void => {
    this.#pendingWrites--;
    if (this.#drainWaiters.length > 0 && (this.#pendingWrites === 0 || this.#ws.bufferedAmount < this.#limits.highWaterBytes)) this.#wakeDrainWaiters();
  };

  /** Resolves once the socket's buffer is below the high-water mark (or the connection closed). */
  #drained(): Promise<void> {
    this.#outbox.flush();
    if (this.#state === 'closed' || this.#state === 'closing' || this.#ws.bufferedAmount < this.#limits.highWaterBytes || this.#pendingWrites === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }

  /** A protocol error: tell the client why, then close this connection only. */
  #fail(error: AccordError, isBinary = false): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    if (this.#state === 'hello') this.#outbox.codec = isBinary ? 'msgpack' : 'json';
    this.#send({ type: 'error', error: error.toWire() });
    this.#outbox.flush();
    this.#ws.close(CLOSE.protocolError, error.message.slice(0, 120));
    this.#closed();
    setTimeout(() => this.#ws.terminate(), 2_000).unref?.();
  }

  #closed(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#helloTimer);
    clearTimeout(this.#closeTimer);
    this.#outbox.clear();
    for (const call of this.#calls.values()) {
      call.scope.abort(CONNECTION_CLOSED);
      call.window?.close();
      this.inFlight.release();
    }
    this.#calls.clear();
    for (const off of this.#subscriptions.values()) off();
    this.#subscriptions.clear();
    this.#wakeDrainWaiters();
    this.#onClosed(this);
    this.#resolveClosed();
  }
}
