/**
 * The mesh as the dispatcher's Router: calls for methods this node does not serve go to the
 * compatible node with the fewest calls this node has in flight to it (then the fewest hops, then
 * at random), over the next hop's link. A node is compatible when it serves the method with the
 * kind of the call and, when the call or this node knows the contract, the same method
 * fingerprint; nodes the call already visited, as destination or next hop, are skipped. Each
 * forwarding node routes again (the dispatcher re-checks hops, visited nodes and the deadline
 * there), and the expected fingerprint travels with the call in metadata so every hop, and the
 * serving node, holds to it.
 */
import type { CallScope } from '../../core/call-scope.js';
import type { OutgoingCall } from '../../core/client-transport.js';
import type { CallEnvelope } from '../../core/envelope.js';
import { AccordError } from '../../core/errors.js';
import { InFlight } from '../../core/in-flight.js';
import type { RoutedMethod, Router } from '../../core/router.js';
import { ABSENT, type ContractIndex } from './contract-index.js';
import type { MethodKind } from './node-record.js';
import { FINGERPRINT_HEADER, type MethodRoutes, type Offer, type RouteTable } from './route-table.js';

export class MeshRouter implements Router {
  readonly name = 'mesh';
  readonly #routes: RouteTable;
  readonly #expected: ContractIndex;
  /** Calls this node has in flight per destination node. */
  readonly #perNode = new Map<string, number>();
  readonly #total: InFlight;

  constructor(routes: RouteTable, expected: ContractIndex, maxInFlight: number) {
    this.#routes = routes;
    this.#expected = expected;
    this.#total = new InFlight(maxInFlight);
  }

  /** Calls this node has routed and not yet seen end. */
  get inFlight(): number {
    return this.#total.size;
  }

  /** Resolves when nothing routed from here is in flight, or after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    return this.#total.idle(timeoutMs);
  }

  find(service: string, version: number | undefined, method: string): RoutedMethod | undefined {
    return this.#routes.find(service, version, method)?.info;
  }

  unary(envelope: CallEnvelope, scope: CallScope): Promise<unknown> {
    return this.send(envelope, undefined, scope);
  }

  stream(envelope: CallEnvelope): AsyncIterable<unknown> {
    return { [Symbol.asyncIterator]: () => this.open(envelope, undefined) };
  }

  /**
   * A unary call to the chosen node. For a meshClient's own calls (no scope) the caller's `signal`
   * and the envelope's deadline end it locally, through the session call itself.
   */
  send(envelope: CallEnvelope, signal: AbortSignal | undefined, scope?: CallScope): Promise<unknown> {
    try {
      const { offer, call } = this.#target(envelope, 'unary', signal);
      return offer.via.unary(call, scope, this.#acquire(offer.node));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A stream from the chosen node; errors in choosing one come from the first `next()`. */
  open(envelope: CallEnvelope, signal: AbortSignal | undefined): AsyncIterator<unknown> {
    try {
      const { offer, call } = this.#target(envelope, 'stream', signal);
      return offer.via.stream(call, this.#acquire(offer.node));
    } catch (error) {
      return failing(error);
    }
  }

  /** Takes a slot for a call to `node`; returns its release (idempotent). */
  #acquire(node: string): () => void {
    if (!this.#total.tryAcquire()) {
      throw new AccordError('RESOURCE_EXHAUSTED', `too many calls routed over the mesh at once (limit ${this.#total.limit})`);
    }
    this.#perNode.set(node, (this.#perNode.get(node) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total.release();
      const left = (this.#perNode.get(node) ?? 1) - 1;
      if (left > 0) this.#perNode.set(node, left);
      else this.#perNode.delete(node);
    };
  }

  #target(envelope: CallEnvelope, kind: MethodKind, signal: AbortSignal | undefined): Target {
    const { service, method } = envelope;
    const routes = this.#routes.find(service, envelope.version, method);
    const where = `${service}.v${routes?.version ?? envelope.version ?? '?'}.${method}`;
    if (!routes) throw new AccordError('UNIMPLEMENTED', `no reachable mesh node serves ${where}`);
    const headers = envelope.meta.headers;
    let expected: string | undefined = headers[FINGERPRINT_HEADER];
    if (expected === undefined) {
      const known = this.#expected.method(service, routes.version, method);
      if (known === ABSENT) throw new AccordError('FAILED_PRECONDITION', `${where} is not in this node's contract of ${service}.v${routes.version}; nodes serving it speak another contract`);
      expected = known?.fingerprint;
    }
    const offer = this.#choose(routes, kind, expected, envelope.meta.visited) ?? this.#refusal(where, routes, kind, expected, envelope.meta.visited);
    const metadata = expected !== undefined && headers[FINGERPRINT_HEADER] === undefined ? { ...headers, [FINGERPRINT_HEADER]: expected } : headers;
    const call: OutgoingCall = {
      service, version: routes.version, method, input: envelope.input, metadata, idempotent: false,
      deadline: envelope.meta.deadline, signal, hops: envelope.meta.hops, traceparent: envelope.meta.traceparent, visited: envelope.meta.visited,
    };
    return { offer, call };
  }

  /** The compatible offer with the fewest calls in flight, then the fewest hops; ties at random. */
  #choose(routes: MethodRoutes, kind: MethodKind, expected: string | undefined, visited: readonly string[] | undefined): Offer | undefined {
    let best: Offer | undefined;
    let bestLoad = Infinity;
    let ties = 0;
    for (const offer of routes.offers) {
      if (offer.kind !== kind || (expected !== undefined && offer.fingerprint !== expected) || !offer.via.usable) continue;
      if (visited !== undefined && (visited.includes(offer.node) || visited.includes(offer.via.peer))) continue;
      const load = this.#perNode.get(offer.node) ?? 0;
      if (best && (load > bestLoad || (load === bestLoad && offer.hops > best.hops))) continue;
      if (best && load === bestLoad && offer.hops === best.hops) {
        if (Math.random() * ++ties >= 1) continue;
      } else ties = 1;
      best = offer;
      bestLoad = load;
    }
    return best;
  }

  /** Why no node can take the call, naming the method and the nodes. */
  #refusal(where: string, routes: MethodRoutes, kind: MethodKind, expected: string | undefined, visited: readonly string[] | undefined): never {
    const nodes = (list: Offer[]) => list.map((o) => `'${o.node}'`).join(', ');
    const sameKind = routes.offers.filter((o) => o.kind === kind);
    if (sameKind.length === 0) {
      throw new AccordError('FAILED_PRECONDITION', `${where} is a ${kind === 'unary' ? 'stream' : 'unary'} method on ${nodes(routes.offers)}; it was called as a ${kind}`);
    }
    const matching = sameKind.filter((o) => expected === undefined || o.fingerprint === expected);
    if (matching.length === 0) {
      const theirs = sameKind.map((o) => `'${o.node}' (${o.fingerprint.slice(0, 12)}…)`).join(', ');
      throw new AccordError('FAILED_PRECONDITION', `no reachable mesh node serves ${where} with the expected contract (fingerprint ${expected!.slice(0, 12)}…): ${theirs} serve another`);
    }
    if (matching.every((o) => visited?.includes(o.node) || visited?.includes(o.via.peer))) {
      throw new AccordError('UNAVAILABLE', `every mesh node serving ${where} (${nodes(matching)}) was already visited by this call, or is reached only through one that was`);
    }
    throw new AccordError('UNAVAILABLE', `the links to ${nodes(matching)}, serving ${where}, are going away`);
  }
}

interface Target {
  offer: Offer;
  call: OutgoingCall;
}

function failing(error: unknown): AsyncIterator<unknown> {
  return {
    next: () => Promise.reject(error),
    return: () => Promise.resolve({ value: undefined, done: true }),
  };
}
