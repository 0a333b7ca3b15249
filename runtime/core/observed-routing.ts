/**
 * Calls this node forwards to a router (mesh, NATS), with telemetry on: counted when they settle,
 * and, with a tracer, wrapped in a client span whose traceparent the forwarded envelope carries (the
 * routers copy `meta.traceparent` onto their wire). Closures per call are fine here: routed calls
 * cross a network, and a dispatcher without telemetry never comes this way.
 */
import type { CallScope } from './call-scope.js';
import type { CallTelemetry, OutgoingSpan } from './call-telemetry.js';
import type { ContractChecks } from './contract-checks.js';
import type { CallEnvelope } from './envelope.js';
import type { AccordError } from './errors.js';
import type { RoutedCalls, Router } from './router.js';

function clientSpan(telemetry: CallTelemetry, router: Router, forwarded: CallEnvelope): OutgoingSpan | undefined {
  const outgoing = telemetry.outgoing;
  if (outgoing === undefined) return undefined;
  const span = outgoing.start(forwarded.service, forwarded.version, forwarded.method, forwarded.meta.traceparent, router.name);
  if (span.traceparent !== undefined) forwarded.meta.traceparent = span.traceparent;
  return span;
}

export function observedRoutedUnary(
  routed: RoutedCalls, router: Router, envelope: CallEnvelope, forwarded: CallEnvelope, cancel: CallScope | AbortSignal | undefined,
  telemetry: CallTelemetry, checks: ContractChecks, startedAt: number,
): Promise<unknown> {
  const span = clientSpan(telemetry, router, forwarded);
  return routed.unary(router, forwarded, cancel).then(
    (output) => {
      span?.end(undefined);
      telemetry.routed(envelope, undefined, startedAt);
      return output;
    },
    (error: unknown) => {
      const accord = checks.routedError(error, envelope);
      span?.end(accord);
      telemetry.routed(envelope, accord, startedAt);
      throw accord;
    },
  );
}

export async function* observedRoutedStream(
  routed: RoutedCalls, router: Router, envelope: CallEnvelope, forwarded: CallEnvelope, cancel: CallScope | AbortSignal | undefined,
  telemetry: CallTelemetry, checks: ContractChecks, startedAt: number,
): AsyncGenerator<unknown, void, undefined> {
  const span = clientSpan(telemetry, router, forwarded);
  let failure: AccordError | undefined;
  try {
    yield* routed.stream(router, forwarded, cancel);
  } catch (error) {
    failure = checks.routedError(error, envelope);
    throw failure;
  } finally {
    span?.end(failure);
    telemetry.routed(envelope, failure, startedAt);
  }
}
