/**
 * Operations: Prometheus metrics (prom-client) and OpenTelemetry traces (`@opentelemetry/api` only;
 * a no-op until an SDK is registered). createServer wires both; transports add their own gauges
 * through `metricsOf(dispatcher)`, and carry `traceparent` with the helpers below. See docs/operations.md.
 */
export { AccordMetrics } from './metrics.js';
export type { MetricReading, MetricsOptions, ScrapedMetricSpec } from './metrics.js';
export { CallMetrics, DEFAULT_BUCKETS, OTHER, RPC_SYSTEM } from './call-metrics.js';
export { ServerTelemetry, metricsOf, serverTelemetry } from './server-telemetry.js';
export type { TelemetryOptions } from './server-telemetry.js';
export { CallTracing, TRACER_NAME, contextOf, registeredTracer, traceparentOf } from './tracing.js';
export { tracedTransport } from './traced-transport.js';
export { startMetricsListener } from './metrics-listener.js';
export type { MetricsListener, MetricsListenerOptions } from './metrics-listener.js';
export { formatTraceparent, parseTraceparent, traceIdOf } from '../core/trace-context.js';
export type { TraceParent } from '../core/trace-context.js';
export { registerPoolMetrics } from './pool-metrics.js';
