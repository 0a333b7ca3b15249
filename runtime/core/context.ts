/**
 * The context every handler receives, wherever it runs. It is built from plain data (so a pool
 * worker can rebuild it on its side of the thread boundary) plus hooks for the things that reach
 * back into the server: emitting events and nested calls.
 */
import type { ClientTransport, OutgoingCall } from './client-transport.js';
import type { Principal } from './auth.js';
import type { OutgoingTracing } from './call-telemetry.js';
import type { CallMeta } from './envelope.js';
import type { Logger } from './logger.js';
import type { BoundService } from './service-binding.js';
import { OnwardTransport } from './onward-transport.js';

/** The cloneable part of a context: what crosses into a worker thread. */
export interface ContextData {
  callId: string;
  service: string;
  version: number;
  method: string;
  deadline: number | undefined;
  meta: CallMeta;
  auth: Principal | undefined;
}

export interface HandlerContext<Events extends Record<string, unknown> = Record<string, unknown>> {
  readonly callId: string;
  readonly service: string;
  readonly version: number;
  readonly method: string;
  /** Aborts when the caller cancels, the connection drops, or the deadline passes. */
  readonly signal: AbortSignal;
  /** Absolute deadline (epoch ms) if the call has one. */
  readonly deadline: number | undefined;
  /**
   * Trace context, hop count and caller metadata (lower-case keys). With a tracer registered,
   * `meta.traceparent` is this call's server span: the parent of everything the handler calls.
   */
  readonly meta: CallMeta;
  /** The authenticated caller, when the call carried accepted credentials. */
  readonly auth: Principal | undefined;
  /** The server's logger with this call's `service`, `method`, `callId` and `traceId` bound (made on first read). */
  readonly logger: Logger;
  /** Publishes one of this service's events (validated against the contract). */
  emit<K extends keyof Events & string>(event: K, data: Events[K]): void;
  /** Transport for nested calls: they inherit the remaining deadline and trace, with one more hop. */
  readonly transport: ClientTransport;
  /**
   * A generated client over `transport`: `const math = ctx.client(MathV1Client)`. With `via` (any
   * client transport: `wsClient(...)`, `httpClient(...)`), calls go to another server over it,
   * carrying this call's trace context, remaining deadline and hop count (not its credentials).
   */
  client<C>(ClientClass: new (transport: ClientTransport) => C, via?: ClientTransport): C;
}

export interface ContextHooks {
  /** The server's logger (where a context's logger comes from when `loggerFor` is absent). */
  logger: Logger;
  /** The logger of one call (`ctx.logger`), made when the handler first reads it. */
  loggerFor?(data: ContextData): Logger;
  /** Client spans for calls a handler sends `via` another transport; absent without a tracer. */
  outgoing?: OutgoingTracing;
  emit(data: ContextData, event: string, payload: unknown): void;
  unary(call: OutgoingCall, parent: ContextData): Promise<unknown>;
  stream(call: OutgoingCall, parent: ContextData): AsyncIterable<unknown>;
  /** Swaps the inline handlers of services already served (the pool's hot reload); returns how many. */
  replaceHandlers?(services: BoundService[]): number;
}

/**
 * `cancel` is an AbortSignal, or anything with a lazy `signal` getter (a CallScope, an
 * AbortController), so the signal is only created if the handler reads `ctx.signal`.
 */
export function createHandlerContext(
  data: ContextData,
  cancel: AbortSignal | { readonly signal: AbortSignal },
  hooks: ContextHooks,
): HandlerContext {
  return new CallContext(data, cancel, hooks);
}

/** A class, not an object literal of closures: one is made per call, so allocation matters. */
class CallContext implements HandlerContext {
  readonly callId: string;
  readonly service: string;
  readonly version: number;
  readonly method: string;
  readonly deadline: number | undefined;
  readonly meta: CallMeta;
  readonly auth: Principal | undefined;
  readonly #data: ContextData;
  readonly #cancel: AbortSignal | { readonly signal: AbortSignal };
  readonly #hooks: ContextHooks;
  #transport: ClientTransport | undefined;
  #logger: Logger | undefined;

  constructor(data: ContextData, cancel: AbortSignal | { readonly signal: AbortSignal }, hooks: ContextHooks) {
    this.callId = data.callId;
    this.service = data.service;
    this.version = data.version;
    this.method = data.method;
    this.deadline = data.deadline;
    this.meta = data.meta;
    this.auth = data.auth;
    this.#data = data;
    this.#cancel = cancel;
    this.#hooks = hooks;
  }

  get signal(): AbortSignal {
    const cancel = this.#cancel;
    return cancel instanceof AbortSignal ? cancel : cancel.signal;
  }

  get logger(): Logger {
    return (this.#logger ??= this.#hooks.loggerFor ? this.#hooks.loggerFor(this.#data) : this.#hooks.logger);
  }

  get transport(): ClientTransport {
    if (!this.#transport) {
      const hooks = this.#hooks;
      const parent = this.#data;
      this.#transport = {
        unary: (call: OutgoingCall) => hooks.unary(call, parent),
        stream: (call: OutgoingCall) => hooks.stream(call, parent),
      };
    }
    return this.#transport;
  }

  emit(event: string, payload: unknown): void {
    this.#hooks.emit(this.#data, event, payload);
  }

  client<C>(ClientClass: new (transport: ClientTransport) => C, via?: ClientTransport): C {
    return new ClientClass(via ? new OnwardTransport(this.#data, via, this.#hooks.outgoing) : this.transport);
  }
}

/**
 * Metadata for a nested call: the tighter deadline, the same trace (or `traceparent`, a client span
 * of it) and credentials, one more hop.
 */
export function nestedMeta(parent: ContextData, call: OutgoingCall, traceparent: string | undefined = parent.meta.traceparent): CallMeta {
  const deadlines = [parent.deadline, call.deadline].filter((d): d is number => d !== undefined);
  const headers: Record<string, string> = { ...call.metadata };
  if (parent.meta.headers.authorization && !headers.authorization) headers.authorization = parent.meta.headers.authorization;
  return {
    deadline: deadlines.length > 0 ? Math.min(...deadlines) : undefined,
    traceparent,
    hops: parent.meta.hops + 1,
    headers,
  };
}
