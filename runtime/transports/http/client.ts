/**
 * The HTTP client transport: fetch-based, so it runs in browsers, Node, Deno and workers alike.
 * No Node imports here or in anything this file imports.
 *
 * - Calls go to `POST /rpc/<service>/v<N>/<method>`, JSON or MessagePack.
 * - The deadline travels as `accord-timeout` (remaining ms) and the fetch is aborted locally when
 *   it passes (DEADLINE_EXCEEDED); the caller's AbortSignal aborts the fetch (CANCELLED), which the
 *   server sees as a disconnect and turns into the handler's ctx.signal.
 * - Error bodies become AccordError; a bare status becomes the code `codeOfHttpStatus` gives it;
 *   a network failure is UNAVAILABLE, which generated clients retry for idempotent methods.
 * - Streams read Server-Sent Events (or MessagePack frames) from the response body; `return()`
 *   on the iterator (a `break` out of `for await`) aborts the request, stopping the server's generator.
 * - Events: `subscribe()` (what generated clients' `on()` uses) reads `GET /events/...` as
 *   Server-Sent Events and reconnects when the stream breaks (event-subscription.ts).
 */
import type { ClientTransport, EventSubscription, OutgoingCall } from '../../core/client-transport.js';
import { CallDeadline } from '../../core/call-deadline.js';
import { codecOfContentType, loadedMsgpack, msgpackStreamSplitter, selectCodec } from '../../core/codec-registry.js';
import type { Codec } from '../../core/json-codec.js';
import type { ContractFingerprints } from '../../core/contract-fingerprints.js';
import { lowerCaseKeys, META_HEADERS } from '../../core/envelope.js';
import { writeMetaHeaders } from '../../core/meta-headers.js';
import { AccordError, codeOfHttpStatus } from '../../core/errors.js';
import { MSGPACK_STREAM_CONTENT_TYPE, SSE_CONTENT_TYPE, SseParser } from './stream-format.js';
import { HttpEventSubscription, type EventReconnectOptions } from './event-subscription.js';

export interface HttpClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:3000` (a path prefix is kept). */
  url: string;
  /**
   * Wire format of requests and responses: 'json' (the default) or MessagePack, as `'msgpack'`
   * after `import 'accord-rpc/msgpack'` or as that entry's `msgpack` codec (browsers load it only then).
   */
  codec?: 'json' | 'msgpack' | Codec;
  /** Headers sent with every call (per-call metadata wins). */
  metadata?: Record<string, string>;
  /**
   * The fingerprints of the contracts this client was built against (`contractFingerprints` from
   * the generated `fingerprints.ts`): each call sends its method's as `accord-fingerprint`, and the
   * server refuses (contractCheck 'strict') or reports ('warn') a mismatch.
   */
  contracts?: ContractFingerprints;
  /** fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Reconnecting an event stream that broke (backoff with jitter); `false` gives up at the first break. */
  reconnect?: EventReconnectOptions | false;
  /** Called when an event subscription is refused or gives up (default: console.warn). */
  onError?: (error: AccordError, subscription: EventSubscription) => void;
}

export function httpClient(options: HttpClientOptions): ClientTransport {
  return new HttpClientTransport(options);
}

/** What one call's fetch is bound to: the caller's signal and the deadline (core/call-deadline.ts). */
class CallAbort {
  readonly controller = new AbortController();
  #reason: AccordError | undefined;
  readonly #deadline: CallDeadline;

  constructor(call: OutgoingCall) {
    this.#deadline = new CallDeadline(call, (error) => this.abort(error));
    if (this.#deadline.early) this.abort(this.#deadline.early);
  }

  get reason(): AccordError | undefined {
    return this.#reason;
  }

  abort(reason: AccordError): void {
    if (this.#reason) return;
    this.#reason = reason;
    this.controller.abort(reason);
    this.dispose();
  }

  dispose(): void {
    this.#deadline.dispose();
  }

  /** The error for a failed fetch or body read: ours if we aborted, else the network's. */
  failure(error: unknown): AccordError {
    if (this.#reason) return this.#reason;
    if (error instanceof AccordError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new AccordError('UNAVAILABLE', `could not reach the server: ${message}`, undefined, { cause: error });
  }
}

class HttpClientTransport implements ClientTransport {
  readonly #base: string;
  readonly #codec: Codec;
  readonly #metadata: Record<string, string>;
  readonly #fetch: typeof fetch;
  readonly #options: HttpClientOptions;
  readonly #subscriptions = new Set<HttpEventSubscription>();

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.#base = options.url.replace(/\/+$/, '');
    this.#codec = selectCodec(options.codec);
    this.#metadata = lowerCaseKeys(options.metadata ?? {});
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  subscribe(spec: EventSubscription, listener: (data: unknown) => void): () => void {
    const url = `${this.#base}/events/${encodeURIComponent(spec.service)}/v${spec.version}/${encodeURIComponent(spec.event)}`;
    const subscription = new HttpEventSubscription(spec, listener, {
      url,
      headers: () => ({ ...this.#metadata }),
      fetch: this.#fetch,
      reconnect: this.#options.reconnect ?? {},
      onError: this.#options.onError ?? ((error, s) => console.warn(`accord: event ${s.service}.v${s.version}.${s.event}: ${error.code}: ${error.message}`)),
    }).start();
    this.#subscriptions.add(subscription);
    return () => {
      this.#subscriptions.delete(subscription);
      subscription.close();
    };
  }

  /** Ends every event subscription (calls need no closing: each is its own request). */
  async close(): Promise<void> {
    for (const subscription of this.#subscriptions) subscription.close();
    this.#subscriptions.clear();
  }

  #request(call: OutgoingCall, accept: string, signal: AbortSignal): { url: string; init: RequestInit } {
    const headers: Record<string, string> = { ...this.#metadata, ...lowerCaseKeys(call.metadata) };
    headers['content-type'] = this.#codec.contentType;
    headers.accept = accept;
    writeMetaHeaders(call, headers);
    const fingerprint = this.#options.contracts?.[`${call.service}.v${call.version}`]?.[call.method];
    if (fingerprint) headers[META_HEADERS.fingerprint] = fingerprint;
    const url = `${this.#base}/rpc/${encodeURIComponent(call.service)}/v${call.version}/${encodeURIComponent(call.method)}`;
    return { url, init: { method: 'POST', headers, body: this.#codec.encode(call.input ?? {}) as BodyInit, signal } };
  }

  async unary(call: OutgoingCall): Promise<unknown> {
    const abort = new CallAbort(call);
    if (abort.reason) throw abort.reason;
    try {
      const { url, init } = this.#request(call, this.#codec.contentType, abort.controller.signal);
      const response = await this.#fetch(url, init);
      const body = new Uint8Array(await response.arrayBuffer());
      if (!response.ok) throw errorFromResponse(response, body);
      return decodeBody(response, body);
    } catch (error) {
      throw abort.failure(error);
    } finally {
      abort.dispose();
    }
  }

  stream(call: OutgoingCall): AsyncIterable<unknown> {
    const accept = this.#codec.name === 'msgpack' ? `${MSGPACK_STREAM_CONTENT_TYPE}, application/msgpack` : SSE_CONTENT_TYPE;
    return { [Symbol.asyncIterator]: () => new HttpStreamIterator(call, (signal) => this.#open(call, accept, signal)) };
  }

  async #open(call: OutgoingCall, accept: string, signal: AbortSignal): Promise<Response> {
    const { url, init } = this.#request(call, accept, signal);
    const response = await this.#fetch(url, init);
    if (!response.ok) throw errorFromResponse(response, new Uint8Array(await response.arrayBuffer()));
    return response;
  }
}

/**
 * The async iterator over a streamed response. Items are parsed as they arrive; `return()` at any
 * time (even while a `next()` is pending) aborts the fetch, which stops the server's generator.
 */
class HttpStreamIterator implements AsyncIterator<unknown> {
  readonly #abort: CallAbort;
  readonly #open: (signal: AbortSignal) => Promise<Response>;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #decode: ((chunk: Uint8Array) => Array<{ event: string; data: unknown }>) | undefined;
  #queue: Array<{ event: string; data: unknown }> = [];
  #finished = false;

  constructor(call: OutgoingCall, open: (signal: AbortSignal) => Promise<Response>) {
    this.#abort = new CallAbort(call);
    this.#open = open;
  }

  async next(): Promise<IteratorResult<unknown>> {
    if (this.#finished) return { done: true, value: undefined };
    try {
      if (this.#abort.reason) throw this.#abort.reason;
      if (!this.#reader) await this.#start();
      for (;;) {
        const message = this.#queue.shift();
        if (message) {
          if (message.event === 'item') return { done: false, value: message.data };
          if (message.event === 'end') return this.#finish();
          if (message.event === 'error') throw AccordError.fromWire(message.data);
          continue; // unknown events are skipped, as SSE readers do
        }
        const { done, value } = await this.#reader!.read();
        if (done) throw new AccordError('UNAVAILABLE', 'the stream ended before the server finished it (connection lost)');
        this.#queue.push(...this.#decode!(value));
      }
    } catch (error) {
      const failure = this.#abort.failure(error);
      this.#finished = true;
      this.#close();
      throw failure;
    }
  }

  async return(): Promise<IteratorResult<unknown>> {
    if (!this.#finished) {
      this.#finished = true;
      this.#abort.abort(new AccordError('CANCELLED', 'the consumer stopped reading the stream'));
      this.#close();
    }
    return { done: true, value: undefined };
  }

  #finish(): IteratorResult<unknown> {
    this.#finished = true;
    this.#abort.dispose();
    void this.#reader?.cancel().catch(() => undefined);
    return { done: true, value: undefined };
  }

  #close(): void {
    this.#abort.dispose();
    void this.#reader?.cancel().catch(() => undefined);
  }

  async #start(): Promise<void> {
    const response = await this.#open(this.#abort.controller.signal);
    if (!response.body) throw new AccordError('PROTOCOL_ERROR', 'the stream response has no body');
    const type = response.headers.get('content-type') ?? '';
    if (type.includes(MSGPACK_STREAM_CONTENT_TYPE)) {
      const frames = msgpackStreamSplitter();
      this.#decode = (chunk) => frames.push(chunk).map((frame) => decodeFrame(frame));
    } else if (type.includes(SSE_CONTENT_TYPE)) {
      const parser = new SseParser();
      const text = new TextDecoder();
      this.#decode = (chunk) => parser.push(text.decode(chunk, { stream: true })).map((m) => ({ event: m.event, data: parseEventData(m.data) }));
    } else {
      throw new AccordError('PROTOCOL_ERROR', `expected a stream response, got content-type '${type}'`);
    }
    this.#reader = response.body.getReader();
  }
}

function decodeFrame(frame: Uint8Array): { event: string; data: unknown } {
  try {
    return loadedMsgpack('PROTOCOL_ERROR').decode(frame) as { event: string; data: unknown };
  } catch (error) {
    throw new AccordError('PROTOCOL_ERROR', `the server sent a stream frame that is not MessagePack: ${(error as Error).message}`);
  }
}

/** A stream message the server sent but that is not JSON: a broken server or proxy, not a lost connection. */
function parseEventData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (error) {
    throw new AccordError('PROTOCOL_ERROR', `the server sent a stream event whose data is not JSON: ${(error as Error).message}`);
  }
}

function decodeBody(response: Response, body: Uint8Array): unknown {
  if (body.length === 0) return undefined;
  const type = response.headers.get('content-type');
  try {
    return codecOfContentType(type).decode(body);
  } catch (error) {
    throw new AccordError('PROTOCOL_ERROR', `the server sent a body that does not parse as ${type ?? 'JSON'}: ${(error as Error).message}`);
  }
}

/** An error response: the `{code,message,data}` body when there is one, else the code the status means. */
function errorFromResponse(response: Response, body: Uint8Array): AccordError {
  let wire: unknown;
  try {
    wire = decodeBody(response, body);
  } catch {
    wire = undefined;
  }
  if (typeof wire === 'object' && wire !== null && typeof (wire as { code?: unknown }).code === 'string') return AccordError.fromWire(wire);
  const code = codeOfHttpStatus(response.status);
  return new AccordError(code, `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from the server`);
}
