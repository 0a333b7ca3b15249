/**
 * A client transport with a CLIENT span per call, for callers outside a handler (a script, a web
 * backend, a test): `tracedTransport(httpClient({ url }))`. The span's parent is the active
 * OpenTelemetry context (or the call's own traceparent), and the call carries the span as its
 * traceparent, which every Accord client transport sends (HTTP header, frame field, NATS header).
 * Inside handlers use `ctx.client(Client, via)`, which does this with the call's server span as parent.
 */
import type { ClientTransport, EventSubscription, OutgoingCall } from '../core/client-transport.js';
import { CallTracing, registeredTracer, TRACER_NAME, traceparentOf } from './tracing.js';
import { context, trace } from '@opentelemetry/api';

/** The traceparent of the active span, if any: the parent of calls made without one. */
function activeTraceparent(): string | undefined {
  const span = trace.getSpan(context.active());
  return span && span.spanContext().traceId !== '00000000000000000000000000000000' ? traceparentOf(span) : undefined;
}

export function tracedTransport(transport: ClientTransport, options: { tracerName?: string } = {}): ClientTransport {
  const tracer = registeredTracer(options.tracerName ?? TRACER_NAME);
  if (!tracer) return transport;
  const tracing = new CallTracing(tracer);
  const send = (call: OutgoingCall) => transport.unary(call);
  const open = (call: OutgoingCall) => transport.stream(call);
  const traced: ClientTransport = {
    unary: (call) => tracing.unary(call, call.traceparent ?? activeTraceparent(), send),
    stream: (call) => tracing.stream(call, call.traceparent ?? activeTraceparent(), open),
    close: transport.close ? () => transport.close!() : undefined,
  };
  if (transport.subscribe) traced.subscribe = (subscription: EventSubscription, listener: (data: unknown) => void) => transport.subscribe!(subscription, listener);
  return traced;
}
