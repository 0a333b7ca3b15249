/**
 * The client-side transport interface. Generated clients speak only this; HTTP, WebSocket, mesh,
 * NATS and the in-memory test transport implement it, and the dispatcher makes nested calls with
 * it. It lives in core so core never imports the client runtime (which re-exports it).
 * Browser-safe: no Node imports.
 */

export interface CallOptions {
  /** Deadline for this call, sent to the server; the call fails with DEADLINE_EXCEEDED after it. */
  timeoutMs?: number;
  /** Aborting rejects the call with CANCELLED and cancels the server-side handler. */
  signal?: AbortSignal;
  /** Extra metadata (HTTP headers, WS/NATS metadata). Keys are lower-cased. */
  metadata?: Record<string, string>;
  /** Overrides the client's retry policy for idempotent methods; `false` disables retries. */
  retry?: RetryPolicy | false;
}

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Everything a transport needs to make one call. */
export interface OutgoingCall {
  service: string;
  version: number;
  method: string;
  input: unknown;
  /** Absolute deadline (epoch ms) derived from `timeoutMs`; transports send the remaining time. */
  deadline?: number;
  signal?: AbortSignal;
  metadata: Record<string, string>;
  idempotent: boolean;
  /**
   * Network context of a call that is already under way: set by routers and nested calls, sent by
   * every transport (headers or frame fields) so the next server sees the same call. Omitted: a
   * fresh call from an outside caller (0 hops, no trace, nowhere visited).
   */
  hops?: number;
  /** W3C trace context (`traceparent` header value). */
  traceparent?: string;
  /** Node ids this call has passed through (mesh and NATS routing): a cycle ends it with LOOP_DETECTED. */
  visited?: readonly string[];
}

export interface EventSubscription {
  service: string;
  version: number;
  event: string;
}

export interface ClientTransport {
  /** Resolves with the output, or rejects with an AccordError. */
  unary(call: OutgoingCall): Promise<unknown>;
  /** Items of a server stream; breaking out of the loop cancels the server's generator. */
  stream(call: OutgoingCall): AsyncIterable<unknown>;
  /** Delivers a service's events; returns the function that unsubscribes. Not every transport has events. */
  subscribe?(subscription: EventSubscription, listener: (data: unknown) => void): () => void;
  close?(): Promise<void>;
}
