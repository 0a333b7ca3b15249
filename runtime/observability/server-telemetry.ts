/**
 * The dispatcher's telemetry (core's CallTelemetry): metrics and tracing, either of which may be off.
 * `serverTelemetry()` is what createServer passes to its dispatcher; a bare Dispatcher gets the same
 * with `new Dispatcher({ services, telemetry: serverTelemetry() })`.
 */
import type { ServiceContract } from '../contract/index.js';
import type { ActiveCall } from '../core/active-call.js';
import type { CallTelemetry } from '../core/call-telemetry.js';
import type { CallEnvelope } from '../core/envelope.js';
import type { AccordError } from '../core/errors.js';
import type { ResolvedMethod } from '../core/service-table.js';
import type { CallMetrics } from './call-metrics.js';
import { AccordMetrics, type MetricsOptions } from './metrics.js';
import { CallTracing, registeredTracer, TRACER_NAME } from './tracing.js';

export interface TelemetryOptions {
  /** Prometheus metrics: an AccordMetrics to share, its options, or false. Default: on. */
  metrics?: AccordMetrics | MetricsOptions | false;
  /**
   * OpenTelemetry spans when an SDK is registered (checked once, here): true (default), false, or
   * the tracer name to use.
   */
  tracing?: boolean | { tracerName?: string };
}

export class ServerTelemetry implements CallTelemetry {
  readonly metrics: AccordMetrics | undefined;
  readonly tracing: CallTracing | undefined;
  readonly outgoing: CallTracing | undefined;
  readonly execute: ((call: ActiveCall, run: (call: ActiveCall) => unknown) => unknown) | undefined;
  readonly #calls: CallMetrics | undefined;

  constructor(metrics: AccordMetrics | undefined, tracing: CallTracing | undefined) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.outgoing = tracing;
    this.#calls = metrics?.calls;
    this.execute = tracing ? (call, run) => tracing.execute(call, run) : undefined;
  }

  attach(services: readonly ServiceContract[]): void {
    this.#calls?.know(services);
  }

  open(call: ActiveCall): void {
    if (this.#calls !== undefined) this.#calls.open(call);
    if (this.tracing !== undefined) this.tracing.open(call);
  }

  close(call: ActiveCall, error: AccordError | undefined): void {
    if (this.#calls !== undefined) this.#calls.close(call, error);
    if (this.tracing !== undefined) this.tracing.close(call, error);
  }

  refused(envelope: CallEnvelope, target: ResolvedMethod | undefined, error: AccordError, startedAt: number): void {
    this.#calls?.refused(envelope, target, error, startedAt);
    this.tracing?.refused(envelope, target, error, startedAt);
  }

  routed(envelope: CallEnvelope, error: AccordError | undefined, startedAt: number): void {
    this.#calls?.routed(envelope, error, startedAt);
  }
}

export function serverTelemetry(options: TelemetryOptions = {}): ServerTelemetry {
  const metrics = options.metrics === false ? undefined : options.metrics instanceof AccordMetrics ? options.metrics : new AccordMetrics(options.metrics);
  const tracer = options.tracing === false ? undefined : registeredTracer(typeof options.tracing === 'object' ? options.tracing.tracerName ?? TRACER_NAME : TRACER_NAME);
  return new ServerTelemetry(metrics, tracer ? new CallTracing(tracer) : undefined);
}

/** The metrics of the server behind `dispatcher`, for transports that add their own gauges (undefined: metrics are off). */
export function metricsOf(dispatcher: { readonly telemetry?: CallTelemetry }): AccordMetrics | undefined {
  const telemetry = dispatcher.telemetry;
  return telemetry instanceof ServerTelemetry ? telemetry.metrics : undefined;
}
