/**
 * An in-process ClientTransport for tests: calls go straight to a Dispatcher, with no sockets, but
 * input, output, stream items, errors and events still round-trip through the MessagePack codec
 * (after a check for values a wire would change), so a handler that returns a Date, a Map or a
 * function fails here as it would in production.
 *
 *   const client = new MathV1Client(memoryTransport(dispatcher));
 */
import type { ClientTransport, EventSubscription, OutgoingCall } from '../core/client-transport.js';
import { CallScope } from '../core/call-scope.js';
import { msgpackCodec, type Codec } from '../core/codecs.js';
import type { Dispatcher } from '../core/dispatcher.js';
import { lowerCaseKeys, nextCallId, type CallEnvelope } from '../core/envelope.js';
import { AccordError } from '../core/errors.js';
import { findUnserializable } from './wire-check.js';

export interface MemoryTransportOptions {
  /** Metadata on every call (e.g. `{ authorization: 'Bearer t' }`), under per-call metadata. */
  metadata?: Record<string, string>;
  /** The codec values round-trip through (default MessagePack). */
  codec?: Codec;
}

export function memoryTransport(target: Dispatcher | { dispatcher: Dispatcher }, options: MemoryTransportOptions = {}): ClientTransport {
  const dispatcher = 'dispatcher' in target ? target.dispatcher : target;
  const codec = options.codec ?? msgpackCodec;
  const subscriptions = new Set<() => void>();

  const wire = (value: unknown, what: string, code: 'INVALID_ARGUMENT' | 'INTERNAL'): unknown => {
    const problem = findUnserializable(value);
    if (problem) throw new AccordError(code, `${what} cannot be sent over the wire: ${problem.replace(/^\$/, what)}`);
    return codec.decode(codec.encode(value));
  };
  const wireError = (error: unknown): AccordError => {
    const accord = error instanceof AccordError ? error : new AccordError('INTERNAL', (error as Error)?.message ?? String(error));
    return AccordError.fromWire(codec.decode(codec.encode(accord.toWire())));
  };
  const envelope = (call: OutgoingCall): CallEnvelope => ({
    id: nextCallId(),
    service: call.service,
    version: call.version,
    method: call.method,
    input: wire(call.input, 'input', 'INVALID_ARGUMENT'),
    transport: 'memory',
    meta: {
      deadline: call.deadline,
      hops: call.hops ?? 0,
      traceparent: call.traceparent,
      visited: call.visited ? [...call.visited] : undefined,
      headers: lowerCaseKeys({ ...options.metadata, ...call.metadata }),
    },
  });

  /** The call's cancellation, as a transport gives it: the caller's abort becomes CANCELLED. */
  const scopeOf = (call: OutgoingCall): { scope: CallScope; release(): void } => {
    const scope = new CallScope();
    const cancelled = () => scope.abort(new AccordError('CANCELLED', 'the caller cancelled the call'));
    if (call.signal?.aborted) cancelled();
    else call.signal?.addEventListener('abort', cancelled, { once: true });
    return { scope, release: () => call.signal?.removeEventListener('abort', cancelled) };
  };

  return {
    async unary(call) {
      const cancel = scopeOf(call);
      try {
        const output = await dispatcher.unary(envelope(call), cancel.scope);
        return wire(output, 'output', 'INTERNAL');
      } catch (error) {
        throw wireError(error);
      } finally {
        cancel.release();
      }
    },

    async *stream(call) {
      const cancel = scopeOf(call);
      try {
        for await (const item of dispatcher.stream(envelope(call), cancel.scope)) yield wire(item, 'stream item', 'INTERNAL');
      } catch (error) {
        throw wireError(error);
      } finally {
        cancel.release();
      }
    },

    subscribe(subscription: EventSubscription, listener: (data: unknown) => void) {
      const { unsubscribe: off } = dispatcher.subscribe(subscription.service, subscription.version, subscription.event, (data) => {
        const copy = wire(data, 'event data', 'INTERNAL');
        // Like a socket: delivered after the emitting call's own turn.
        queueMicrotask(() => listener(copy));
      });
      const unsubscribe = () => {
        subscriptions.delete(unsubscribe);
        off();
      };
      subscriptions.add(unsubscribe);
      return unsubscribe;
    },

    async close() {
      for (const unsubscribe of [...subscriptions]) unsubscribe();
    },
  };
}

