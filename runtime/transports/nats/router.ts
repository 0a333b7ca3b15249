/**
 * The NATS transport as a router (runtime/core/router.ts): a call this process does not serve
 * (a nested call from a handler, a gateway call from HTTP or WebSocket) goes over NATS to a
 * process that does. Which methods exist elsewhere, and of which kind, comes from micro discovery
 * (directory.ts), which never lists this process's own services; the connection has noEcho, so a
 * routed request cannot reach this process's own subscriptions either. The core has already
 * checked hops and the visited list and added this node to it; the call keeps its deadline,
 * trace context and caller metadata, and its cancellation reaches the remote handler.
 */
import type { CallScope } from '../../core/call-scope.js';
import type { OutgoingCall } from '../../core/client-transport.js';
import type { CallEnvelope } from '../../core/envelope.js';
import type { Router, RoutedMethod } from '../../core/router.js';
import type { NatsCaller } from './caller.js';
import type { Directory } from './directory.js';
import { isCallerMetadata } from './wire.js';

export class NatsRouter implements Router {
  readonly name = 'nats';
  readonly #caller: NatsCaller;
  readonly #directory: Directory;
  readonly #onMiss: () => void;

  /** `onMiss` runs when a lookup finds nothing (the transport refreshes discovery, rate-limited). */
  constructor(caller: NatsCaller, directory: Directory, onMiss: () => void) {
    this.#caller = caller;
    this.#directory = directory;
    this.#onMiss = onMiss;
  }

  find(service: string, version: number | undefined, method: string): RoutedMethod | undefined {
    const found = this.#directory.find(service, version, method);
    if (!found) this.#onMiss();
    return found && { kind: found.kind };
  }

  unary(envelope: CallEnvelope, scope: CallScope): Promise<unknown> {
    return this.#caller.unary(this.#outgoing(envelope, scope));
  }

  stream(envelope: CallEnvelope, scope: CallScope): AsyncIterable<unknown> {
    return this.#caller.stream(this.#outgoing(envelope, scope));
  }

  #outgoing(envelope: CallEnvelope, scope: CallScope): OutgoingCall {
    const { meta } = envelope;
    const metadata: Record<string, string> = {};
    for (const key in meta.headers) if (isCallerMetadata(key)) metadata[key] = meta.headers[key];
    return {
      service: envelope.service,
      // A call for "the latest" goes to the highest version discovered, by its versioned subject.
      version: envelope.version ?? this.#directory.find(envelope.service, undefined, envelope.method)?.version ?? 1,
      method: envelope.method,
      input: envelope.input,
      deadline: meta.deadline,
      signal: scope.signal,
      metadata,
      idempotent: false,
      hops: meta.hops,
      traceparent: meta.traceparent,
      visited: meta.visited,
    };
  }
}
