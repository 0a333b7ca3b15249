/**
 * OpenTelemetry spans for calls, through `@opentelemetry/api` only: with no SDK registered the API
 * is a no-op, and `registeredTracer()` (asked once, when a server is built) says so, so calls then
 * pay nothing. With an SDK: a SERVER span per call (the parent is the caller's W3C traceparent, else
 * the active context), and a CLIENT span per call a handler makes (nested calls, `ctx.client(C, via)`,
 * routed calls), with the RPC semantic-convention attributes and the error code.
 *
 * The server span's traceparent replaces the caller's in the handler's context data, which is what
 * crosses into pool workers and into nested calls' envelopes: one trace, right parents, whatever
 * thread or transport the handler's calls take.
 */
import type { Attributes, Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ActiveCall } from '../core/active-call.js';
import { OK, type OutgoingSpan, type OutgoingTracing } from '../core/call-telemetry.js';
import type { OutgoingCall } from '../core/client-transport.js';
import type { CallEnvelope } from '../core/envelope.js';
import { AccordError } from '../core/errors.js';
import type { ResolvedMethod } from '../core/service-table.js';
import { formatTraceparent, parseTraceparent } from '../core/trace-context.js';
import { OTHER, RPC_SYSTEM, UNKNOWN_TRANSPORT } from './call-metrics.js';

export const TRACER_NAME = 'accord-rpc';

/**
 * The tracer of the SDK registered in this thread, or undefined when there is none (the API's
 * no-op). Ask once, after the SDK is set up (`trace.setGlobalTracerProvider`, NodeSDK.start()),
 * not per call.
 */
export function registeredTracer(name = TRACER_NAME): Tracer | undefined {
  const provider = trace.getTracerProvider() as ReturnType<typeof trace.getTracerProvider> & { getDelegateTracer?(name: string): Tracer | undefined };
  // The global provider is the API's proxy, whose delegate is set only when an SDK registered one.
  return typeof provider.getDelegateTracer === 'function' ? provider.getDelegateTracer(name) : provider.getTracer(name);
}

/** The context a traceparent names (a remote parent), or the active one when there is none. */
export function contextOf(traceparent: string | undefined): Context {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return context.active();
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: parsed.traceId, spanId: parsed.spanId, traceFlags: parsed.flags, isRemote: true });
}

export function traceparentOf(span: Span | SpanContext): string {
  const sc = 'spanContext' in span ? span.spanContext() : span;
  return formatTraceparent({ traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags });
}

/** Epoch milliseconds of a monotonicNow() reading, for span start times. */
function epochOf(monotonic: number): number {
  return performance.timeOrigin + monotonic;
}

function rpcAttributes(service: string, version: number | string, method: string, transport: string | undefined): Attributes {
  return {
    'rpc.system': RPC_SYSTEM,
    'rpc.service': `${service}.v${version}`,
    'rpc.method': method,
    'accord.transport': transport ?? UNKNOWN_TRANSPORT,
  };
}

/** Sets the outcome on a span and ends it: the code always, ERROR status and `error.type` on failure. */
function endSpan(span: Span, error: AccordError | undefined): void {
  span.setAttribute('rpc.response.status_code', error === undefined ? OK : error.code);
  if (error !== undefined) {
    span.setAttribute('error.type', error.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: `${error.code}: ${error.message}` });
  }
  span.end();
}

function codeOf(error: unknown): AccordError {
  return error instanceof AccordError ? error : new AccordError('INTERNAL', (error as Error)?.message ?? String(error));
}

/** A client span, as the core's OutgoingSpan. */
class ClientSpan implements OutgoingSpan {
  readonly traceparent: string;

  constructor(readonly span: Span) {
    this.traceparent = traceparentOf(span);
  }

  end(error: AccordError | undefined): void {
    endSpan(this.span, error);
  }
}

export class CallTracing implements OutgoingTracing {
  readonly tracer: Tracer;

  constructor(tracer: Tracer) {
    this.tracer = tracer;
  }

  /** The server span of an admitted call; its traceparent becomes the handler's (see file comment). */
  open(call: ActiveCall): void {
    const meta = call.context.meta;
    const span = this.tracer.startSpan(`${call.service.name}.v${call.service.version}/${call.name}`, {
      kind: SpanKind.SERVER,
      startTime: epochOf(call.startedAt),
      attributes: { ...rpcAttributes(call.service.name, call.service.version, call.name, call.transport), 'accord.call_id': call.context.callId },
    }, contextOf(meta.traceparent));
    call.span = span;
    call.context.meta = { ...meta, traceparent: traceparentOf(span) };
  }

  close(call: ActiveCall, error: AccordError | undefined): void {
    endSpan(call.span as Span, error);
  }

  /** A call refused before its handler: a server span that starts and ends at once, with the error. */
  refused(envelope: CallEnvelope, target: ResolvedMethod | undefined, error: AccordError, startedAt: number): void {
    const attributes = target
      ? rpcAttributes(target.service.name, target.service.version, target.name, envelope.transport)
      : { ...rpcAttributes(OTHER, OTHER, OTHER, envelope.transport), 'rpc.service': OTHER, 'rpc.method_original': `${envelope.service}/${envelope.method}` };
    const name = target ? `${target.service.name}.v${target.service.version}/${target.name}` : `${RPC_SYSTEM}/${OTHER}`;
    const span = this.tracer.startSpan(name, { kind: SpanKind.SERVER, startTime: epochOf(startedAt), attributes: { ...attributes, 'accord.call_id': envelope.id } }, contextOf(envelope.meta.traceparent));
    endSpan(span, error);
  }

  /** Runs an inline handler with its server span active (for libraries instrumented with OpenTelemetry). */
  execute(call: ActiveCall, run: (call: ActiveCall) => unknown): unknown {
    return context.with(trace.setSpan(context.active(), call.span as Span), run, undefined, call);
  }

  start(service: string, version: number | undefined, method: string, parentTraceparent: string | undefined, via: string): OutgoingSpan {
    const span = this.tracer.startSpan(`${service}.v${version ?? OTHER}/${method}`, {
      kind: SpanKind.CLIENT,
      attributes: rpcAttributes(service, version ?? OTHER, method, via),
    }, contextOf(parentTraceparent));
    return new ClientSpan(span);
  }

  unary(call: OutgoingCall, parentTraceparent: string | undefined, send: (call: OutgoingCall) => Promise<unknown>): Promise<unknown> {
    const span = this.start(call.service, call.version, call.method, parentTraceparent, 'client');
    let sent: Promise<unknown>;
    try {
      sent = send({ ...call, traceparent: span.traceparent });
    } catch (error) {
      sent = Promise.reject(error);
    }
    return sent.then(
      (output) => {
        span.end(undefined);
        return output;
      },
      (error: unknown) => {
        span.end(codeOf(error));
        throw error;
      },
    );
  }

  stream(call: OutgoingCall, parentTraceparent: string | undefined, send: (call: OutgoingCall) => AsyncIterable<unknown>): AsyncIterable<unknown> {
    const tracing = this;
    return {
      async *[Symbol.asyncIterator]() {
        const span = tracing.start(call.service, call.version, call.method, parentTraceparent, 'client');
        let failure: AccordError | undefined;
        try {
          yield* send({ ...call, traceparent: span.traceparent });
        } catch (error) {
          failure = codeOf(error);
          throw error;
        } finally {
          span.end(failure);
        }
      },
    };
  }
}
