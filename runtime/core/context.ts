/**
 * The context every handler receives, wherever it runs. It is built from plain data (so a pool
 * worker can rebuild it on its side of the thread boundary) plus hooks for the things that reach
 * back into the server: emitting events and nested calls.
 */
import type { ClientTransport, OutgoingCall } from '../client/transport.js';
import type { Principal } from './auth.js';
import type { CallMeta } from './envelope.js';
import type { Logger } from './logger.js';

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
  /** Trace context, hop count and caller metadata (lower-case keys). */
  readonly meta: CallMeta;
  /** The authenticated caller, when the call carried accepted credentials. */
  readonly auth: Principal | undefined;
  readonly logger: Logger;
  /** Publishes one of this service's events (validated against the contract). */
  emit<K extends keyof Events & string>(event: K, data: Events[K]): void;
  /** Transport for nested calls: they inherit the remaining deadline and trace, with one more hop. */
  readonly transport: ClientTransport;
  /** A generated client over `transport`: `const math = ctx.client(MathV1Client)`. */
  client<C>(ClientClass: new (transport: ClientTransport) => C): C;
}

export interface ContextHooks {
  logger: Logger;
  emit(data: ContextData, event: string, payload: unknown): void;
  unary(call: OutgoingCall, parent: ContextData): Promise<unknown>;
  stream(call: OutgoingCall, parent: ContextData): AsyncIterable<unknown>;
}

export function createHandlerContext(data: ContextData, signal: AbortSignal, hooks: ContextHooks): HandlerContext {
  const transport: ClientTransport = {
    unary: (call) => hooks.unary(call, data),
    stream: (call) => hooks.stream(call, data),
  };
  return {
    ...data,
    signal,
    logger: hooks.logger,
    emit: (event, payload) => hooks.emit(data, event, payload),
    transport,
    client: (ClientClass) => new ClientClass(transport),
  };
}

/** Metadata for a nested call: the tighter deadline, the same trace and credentials, one more hop. */
export function nestedMeta(parent: ContextData, call: OutgoingCall): CallMeta {
  const deadlines = [parent.deadline, call.deadline].filter((d): d is number => d !== undefined);
  const headers: Record<string, string> = { ...call.metadata };
  if (parent.meta.headers.authorization && !headers.authorization) headers.authorization = parent.meta.headers.authorization;
  return {
    deadline: deadlines.length > 0 ? Math.min(...deadlines) : undefined,
    traceparent: parent.meta.traceparent,
    hops: parent.meta.hops + 1,
    headers,
  };
}
