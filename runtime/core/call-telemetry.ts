/**
 * What the dispatcher tells metrics and tracing about calls (runtime/observability implements it;
 * core never imports prom-client or OpenTelemetry). Every call is reported exactly once as ended:
 * `close` for a call whose handler ran, `refused` for one that failed before (unknown method,
 * bad input, auth, deadline, draining), `routed` for one another node answered.
 *
 * Hot path: a dispatcher without telemetry pays one `undefined` check per call; with it, `open`
 * and `close` must not allocate (see runtime/observability/call-metrics.ts).
 */
import type { ActiveCall } from './active-call.js';
import type { OutgoingCall } from './client-transport.js';
import type { ServiceContract } from '../contract/index.js';
import type { CallEnvelope } from './envelope.js';
import type { AccordError } from './errors.js';
import type { ResolvedMethod } from './service-table.js';

/** Result code of a call that succeeded (the AccordError code otherwise). */
export const OK = 'OK';

export interface CallTelemetry {
  /**
   * A call is admitted and its handler is about to run. May replace `call.context.meta` with one
   * whose `traceparent` is the server span's, so the handler, its logs and its nested calls (in a
   * worker too) carry the span as their parent.
   */
  open(call: ActiveCall): void;
  /** The call ended: with `error`, or successfully when it is undefined. */
  close(call: ActiveCall, error: AccordError | undefined): void;
  /** A call that failed before any handler ran; `target` when the method was found. */
  refused(envelope: CallEnvelope, target: ResolvedMethod | undefined, error: AccordError, startedAt: number): void;
  /** A call forwarded to a router (mesh, NATS) ended. */
  routed(envelope: CallEnvelope, error: AccordError | undefined, startedAt: number): void;
  /** The dispatcher serving `services` reports here (names of unknown services are bucketed, not labels). */
  attach(services: readonly ServiceContract[]): void;
  /** Tracing of calls that leave this server (nested calls, routed calls); absent when no tracer is registered. */
  readonly outgoing: OutgoingTracing | undefined;
  /**
   * Runs an inline handler inside its call's trace context, so libraries instrumented with
   * OpenTelemetry see the server span as the active one. Absent when no tracer is registered.
   */
  readonly execute: ((call: ActiveCall, run: (call: ActiveCall) => unknown) => unknown) | undefined;
}

/**
 * Client spans for calls that leave a handler: `send` receives the call with `traceparent` set to
 * the client span (child of `parentTraceparent`), and the span ends when the call settles.
 */
export interface OutgoingTracing {
  unary(call: OutgoingCall, parentTraceparent: string | undefined, send: (call: OutgoingCall) => Promise<unknown>): Promise<unknown>;
  stream(call: OutgoingCall, parentTraceparent: string | undefined, send: (call: OutgoingCall) => AsyncIterable<unknown>): AsyncIterable<unknown>;
  /** A client span for a call leaving by other means (routed envelopes); end it once the call settled. */
  start(service: string, version: number | undefined, method: string, parentTraceparent: string | undefined, via: string): OutgoingSpan;
}

export interface OutgoingSpan {
  /** The span as a traceparent, to send with the call. */
  readonly traceparent: string | undefined;
  end(error: AccordError | undefined): void;
}

/** Monotonic milliseconds, the clock of `startedAt` and call durations. */
export const monotonicNow: () => number = performance.now.bind(performance);
