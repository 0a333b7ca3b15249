/**
 * The call envelope: what every server transport turns its bytes into, and what the dispatcher
 * consumes. Deadlines are absolute on this machine's clock; on the wire they travel as a relative
 * timeout (clocks differ between machines), and transports convert with `deadlineFromTimeout`.
 */

export interface CallMeta {
  /** Absolute deadline in epoch ms, or undefined for "the method's or server's default". */
  deadline?: number;
  /** W3C trace context, passed through to handlers and nested calls. */
  traceparent?: string;
  /** How many Accord hops this call has already made (0 from an outside caller); loop protection. */
  hops: number;
  /**
   * Node ids the call has been routed through (mesh, NATS), oldest first. A node that finds its own
   * id here ends the call with LOOP_DETECTED. A nested call starts its own list: it is a new call
   * (its depth is bounded by `hops`), and it may well need to reach a node its parent passed.
   */
  visited?: string[];
  /**
   * Caller metadata with lower-case keys: HTTP headers, WS connect metadata, NATS headers.
   * Credentials (`authorization`, API-key headers) are read from here by the dispatcher.
   */
  headers: Record<string, string>;
  /**
   * The fingerprint of the method the caller was built against (a prefix of its hex), when it sent
   * one: the dispatcher checks it against the server's contract (core/contract-check.ts).
   */
  fingerprint?: string;
}

export interface CallEnvelope {
  /** Unique per call within the process; used for logs and cancellation. */
  id: string;
  service: string;
  /** Undefined means the highest version served. */
  version?: number;
  method: string;
  input: unknown;
  meta: CallMeta;
  /**
   * The transport the call came in on, for metrics and traces: 'http', 'ws', 'mesh', 'nats',
   * 'memory' (the test transport) or 'internal' (a handler's nested call). Transports set it.
   */
  transport?: string;
}

/**
 * One key per logical call, the same on every retry: the server runs it at most once
 * (core/idempotency.ts). Plain caller metadata, not `accord-*`: every transport and router
 * forwards it as it is, and it is the IETF draft's `Idempotency-Key` header. A constant of its own
 * so browser clients need not bundle the whole header table.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Wire header names shared by the transports that carry metadata as headers. */
export const META_HEADERS = {
  timeout: 'accord-timeout',
  hops: 'accord-hops',
  version: 'accord-version',
  traceparent: 'traceparent',
  /** Comma-separated node ids (see CallMeta.visited). */
  visited: 'accord-visited',
  idempotencyKey: IDEMPOTENCY_KEY_HEADER,
  /** The method fingerprint the caller was built against (CallMeta.fingerprint). */
  fingerprint: 'accord-fingerprint',
} as const;

/**
 * The absolute deadline a wire timeout means. 0 is a deadline that has already passed (as in
 * gRPC), not "none": only an absent timeout means the method's or server's default.
 */
export function deadlineFromTimeout(timeoutMs: number | undefined, now = Date.now()): number | undefined {
  return timeoutMs !== undefined && Number.isFinite(timeoutMs) && timeoutMs >= 0 ? now + timeoutMs : undefined;
}

/** The timeout to send for a deadline: the whole milliseconds left, never negative. */
export function timeoutFromDeadline(deadline: number | undefined, now = Date.now()): number | undefined {
  return deadline === undefined ? undefined : Math.max(0, Math.floor(deadline - now));
}

let sequence = 0;
// Pure: browser bundles that never make ids drop it.
const prefix = /* @__PURE__ */ Math.random().toString(36).slice(2, 8);

/** Cheap unique ids: a per-process prefix plus a counter (no crypto needed for correlation ids). */
export function nextCallId(): string {
  sequence = (sequence + 1) >>> 0;
  return `${prefix}-${sequence.toString(36)}`;
}

/** Metadata keys are case-insensitive (HTTP headers): every transport and client stores them lower-cased. */
export function lowerCaseKeys(map: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(map)) out[key.toLowerCase()] = map[key];
  return out;
}
