/**
 * What `ctx.client(SomeClient, via)` calls through: a handler's calls to another server over any
 * client transport (WebSocket, HTTP, NATS...), carrying the handler's call on: its trace context
 * (the server span, or a client span of it when a tracer is registered), the tighter of the two
 * deadlines and one more hop. Credentials are not forwarded: `via` has its own metadata.
 */
import type { ClientTransport, EventSubscription, OutgoingCall } from './client-transport.js';
import type { OutgoingTracing } from './call-telemetry.js';
import type { ContextData } from './context.js';

export class OnwardTransport implements ClientTransport {
  readonly #parent: ContextData;
  readonly #via: ClientTransport;
  readonly #tracing: OutgoingTracing | undefined;
  readonly #send: (call: OutgoingCall) => Promise<unknown>;
  readonly #open: (call: OutgoingCall) => AsyncIterable<unknown>;

  constructor(parent: ContextData, via: ClientTransport, tracing: OutgoingTracing | undefined) {
    this.#parent = parent;
    this.#via = via;
    this.#tracing = tracing;
    this.#send = (call) => via.unary(call);
    this.#open = (call) => via.stream(call);
  }

  unary(call: OutgoingCall): Promise<unknown> {
    const onward = this.#onward(call);
    return this.#tracing ? this.#tracing.unary(onward, onward.traceparent, this.#send) : this.#via.unary(onward);
  }

  stream(call: OutgoingCall): AsyncIterable<unknown> {
    const onward = this.#onward(call);
    return this.#tracing ? this.#tracing.stream(onward, onward.traceparent, this.#open) : this.#via.stream(onward);
  }

  get subscribe(): ((subscription: EventSubscription, listener: (data: unknown) => void) => () => void) | undefined {
    const via = this.#via;
    return via.subscribe ? (subscription, listener) => via.subscribe!(subscription, listener) : undefined;
  }

  #onward(call: OutgoingCall): OutgoingCall {
    const parent = this.#parent;
    const deadline = parent.deadline === undefined ? call.deadline : call.deadline === undefined ? parent.deadline : Math.min(parent.deadline, call.deadline);
    return { ...call, deadline, hops: parent.meta.hops + 1, traceparent: call.traceparent ?? parent.meta.traceparent };
  }
}
