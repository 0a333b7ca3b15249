/**
 * W3C Trace Context (`traceparent: 00-<trace id>-<parent id>-<flags>`), the one trace format every
 * Accord transport carries (HTTP header, frame field, NATS header). Parsed here without
 * OpenTelemetry, so logs get their trace id and pool workers pass the context on even when no
 * tracer is registered. Browser-safe.
 */

export interface TraceParent {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits: the span that made the call. */
  spanId: string;
  /** Trace flags (bit 0: sampled). */
  flags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

/** The parts of a valid traceparent, or undefined (absent, malformed, all-zero ids, version ff). */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  if (value === undefined || value.length < 55) return undefined;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version 00 has exactly four fields; later versions may add fields after a dash; ff is invalid.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}

export function formatTraceparent(context: TraceParent): string {
  return `00-${context.traceId}-${context.spanId}-${(context.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The trace id a traceparent names (for log records), or undefined. Cheap: no regex for well-formed values. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  if (traceparent === undefined) return undefined;
  if (traceparent.length === 55 && traceparent.charCodeAt(2) === 45 && traceparent.charCodeAt(35) === 45) {
    const id = traceparent.slice(3, 35);
    if (/^[0-9a-f]{32}$/.test(id) && id !== ZERO_TRACE) return id;
  }
  return parseTraceparent(traceparent)?.traceId;
}
