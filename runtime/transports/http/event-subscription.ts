/**
 * The HTTP client's side of events: `subscribe()` opens `GET /events/<service>/v<N>/<event>` with
 * fetch (so credentials travel as headers, which a browser EventSource cannot send), reads the
 * Server-Sent Events and calls the listener with each event's data. When the stream breaks or the
 * server ends it with UNAVAILABLE (draining), it reconnects with backoff and jitter; a refusal
 * (UNAUTHENTICATED, PERMISSION_DENIED, UNIMPLEMENTED...) goes to `onError` and ends it.
 * At most once: events emitted while it reconnects are missed. No Node imports.
 */
import { backoffDelay } from '../../core/backoff.js';
import type { EventSubscription } from '../../core/client-transport.js';
import { AccordError, codeOfHttpStatus } from '../../core/errors.js';
import { SSE_CONTENT_TYPE, SseParser } from './stream-format.js';

export interface EventReconnectOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface EventSubscriptionSettings {
  url: string;
  headers: () => Record<string, string>;
  fetch: typeof fetch;
  reconnect: EventReconnectOptions | false;
  onError: (error: AccordError, subscription: EventSubscription) => void;
}

/** Codes worth reconnecting after: the server went away or was busy; anything else is final. */
const RETRYABLE = new Set(['UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'DEADLINE_EXCEEDED', 'INTERNAL']);

export class HttpEventSubscription {
  readonly #spec: EventSubscription;
  readonly #listener: (data: unknown) => void;
  readonly #settings: EventSubscriptionSettings;
  readonly #controller = new AbortController();
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(spec: EventSubscription, listener: (data: unknown) => void, settings: EventSubscriptionSettings) {
    this.#spec = spec;
    this.#listener = listener;
    this.#settings = settings;
  }

  get closed(): boolean {
    return this.#controller.signal.aborted;
  }

  start(): this {
    void this.#run();
    return this;
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#controller.abort(new AccordError('CANCELLED', 'unsubscribed'));
  }

  async #run(): Promise<void> {
    let failure: AccordError;
    try {
      failure = await this.#read();
    } catch (error) {
      failure = error instanceof AccordError ? error : new AccordError('UNAVAILABLE', `the event stream failed: ${(error as Error)?.message ?? error}`);
    }
    if (this.closed) return;
    const policy = this.#settings.reconnect;
    if (!RETRYABLE.has(failure.code) || policy === false) {
      this.#settings.onError(failure, this.#spec);
      return;
    }
    const delay = backoffDelay(this.#attempt++, { initialMs: policy.initialDelayMs ?? 250, maxMs: policy.maxDelayMs ?? 10_000 });
    this.#timer = setTimeout(() => void this.#run(), delay);
  }

  /** One connection: resolves with why it ended (never resolves OK: the server ends streams with an error). */
  async #read(): Promise<AccordError> {
    const response = await this.#settings.fetch(this.#settings.url, {
      method: 'GET',
      headers: { ...this.#settings.headers(), accept: SSE_CONTENT_TYPE },
      signal: this.#controller.signal,
    });
    if (!response.ok) return errorOf(response, await response.text().catch(() => ''));
    if (!response.body || !(response.headers.get('content-type') ?? '').includes(SSE_CONTENT_TYPE)) {
      return new AccordError('PROTOCOL_ERROR', `expected an event stream, got content-type '${response.headers.get('content-type')}'`);
    }
    const reader = response.body.getReader();
    const parser = new SseParser();
    const text = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return new AccordError('UNAVAILABLE', 'the event stream ended (connection lost)');
        for (const message of parser.push(text.decode(value, { stream: true }))) {
          if (message.event === 'error') return AccordError.fromWire(JSON.parse(message.data));
          if (message.event !== 'message') continue;
          this.#attempt = 0; // a delivered event proves the stream works: the next failure starts the backoff afresh
          this.#deliver(JSON.parse(message.data));
        }
      }
    } finally {
      void reader.cancel().catch(() => undefined);
    }
  }

  #deliver(data: unknown): void {
    try {
      this.#listener(data);
    } catch (error) {
      this.#settings.onError(new AccordError('INTERNAL', `an event listener threw: ${(error as Error)?.message ?? error}`), this.#spec);
    }
  }
}

function errorOf(response: Response, body: string): AccordError {
  try {
    const wire = JSON.parse(body) as { code?: unknown };
    if (typeof wire?.code === 'string') return AccordError.fromWire(wire);
  } catch {
    // not an Accord error body: the status says what it is
  }
  return new AccordError(codeOfHttpStatus(response.status), `HTTP ${response.status} from the event stream`);
}
