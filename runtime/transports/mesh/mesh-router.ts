/**
 * The mesh as the dispatcher's Router: calls for methods this node does not serve go to the
 * compatible node with the fewest calls this node has in flight to it (then the fewest hops, then
 * at random), over the next hop's link. A node is compatible when it serves the method with the
 * kind of the call and, when the call or this node knows the contract, the same method
 * fingerprint; nodes the call already visited, as destination or next hop, are skipped. Each
 * forwarding node routes again (the dispatcher re-checks hops, visited nodes and the deadline
 * there). The expected fingerprint travels with the call in metadata while it has more than one
 * hop to go, so every forwarding node holds to it; the last hop leaves it off, since the sender
 * just matched it against the record the destination itself sent over that link.
 *
 * When the link under an idempotent call dies, the call goes to another compatible node at once
 * (at most MAX_FAILOVERS times); any other call fails with the link's UNAVAILABLE.
 */
import type { CallScope } from '../../core/call-scope.js';
import type { OutgoingCall } from '../../core/client-transport.js';
import { DeadlineSweeper } from '../../core/deadline-sweeper.js';
import type { CallEnvelope } from '../../core/envelope.js';
import { AccordError } from '../../core/errors.js';
import { InFlight } from '../../core/in-flight.js';
import type { RoutedMethod, Router } from '../../core/router.js';
import { ABSENT, type ContractIndex } from './contract-index.js';
import type { MethodKind } from './node-record.js';
import { RoutedUnary, type AttemptHost } from './routed-call.js';
import { FINGERPRINT_HEADER, fingerprintHeader, fingerprintMatches, type MethodRoutes, type Offer, type RouteTable } from './route-table.js';

/** Other nodes an idempotent call is sent to when links die under it. */
const MAX_FAILOVERS = 2;

export class MeshRouter implements Router, AttemptHost {
  readonly name = 'mesh';
  readonly sweeper = new DeadlineSweeper();
  readonly #routes: RouteTable;
  readonly #expected: ContractIndex;
  /** Calls this node has in flight per destination node. */
  readonly #perNode = new Map<string, number>();
  readonly #total: InFlight;
  /** Set only with `localFirst: false`: the dispatcher then asks it about the calls this node serves. */
  readonly offload?: (envelope: CallEnvelope, version: number, running: number) => RoutedMethod | undefined;

  constructor(routes: RouteTable, expected: ContractIndex, maxInFlight: number, localFirst = true) {
    if (!localFirst) this.offload = (envelope, version, running) => this.#offload(envelope, version, running);
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
   * and the envelope's deadline end it locally, through the session call itself; `idempotent` is
   * the caller's (for calls routed for the dispatcher, the contract's).
   */
  send(envelope: CallEnvelope, signal: AbortSignal | undefined, scope?: CallScope, idempotent?: boolean): Promise<unknown> {
    const routed = new RoutedUnary(envelope, signal, scope, idempotent);
    try {
      this.#attempt(routed);
    } catch (error) {
      routed.reject(error as AccordError);
    }
    return routed.promise;
  }

  /** A stream from the chosen node; errors in choosing one come from the first `next()`. */
  open(envelope: CallEnvelope, signal: AbortSignal | undefined): AsyncIterator<unknown> {
    try {
      const { offer, call } = this.#target(envelope, 'stream', signal, undefined);
      this.#acquire(offer.node);
      return offer.via.stream(call, this, offer.node);
    } catch (error) {
      return failing(error);
    }
  }

  failover(routed: RoutedUnary, failed: string): boolean {
    const { envelope } = routed;
    const idempotent = routed.idempotent ?? this.#expected.idempotent(envelope.service, envelope.version, envelope.method);
    if (!idempotent || (routed.failed ??= []).length >= MAX_FAILOVERS) return false;
    routed.failed.push(failed);
    try {
      this.#attempt(routed);
      return true;
    } catch {
      return false; // no other node: the caller gets the lost link's error
    }
  }

  ended(node: string): void {
    this.#total.release();
    const left = (this.#perNode.get(node) ?? 1) - 1;
    if (left > 0) this.#perNode.set(node, left);
    else this.#perNode.delete(node);
  }

  #attempt(routed: RoutedUnary): void {
    const { offer, call } = this.#target(routed.envelope, 'unary', routed.signal, routed.failed);
    this.#acquire(offer.node);
    offer.via.unary(call, routed, this, offer.node);
  }

  /** Takes a slot for a call to `node` (`ended(node)` gives it back). */
  #acquire(node: string): void {
    if (!this.#total.tryAcquire()) {
      throw new AccordError('RESOURCE_EXHAUSTED', `too many calls routed over the mesh at once (limit ${this.#total.limit})`);
    }
    this.#perNode.set(node, (this.#perNode.get(node) ?? 0) + 1);
  }

  #target(envelope: CallEnvelope, kind: MethodKind, signal: AbortSignal | undefined, failed: readonly string[] | undefined): Target {
    const { service, method, meta } = envelope;
    const routes = this.#routes.find(service, envelope.version, method);
    if (!routes) throw new AccordError('UNIMPLEMENTED', `no reachable mesh node serves ${methodName(envelope, routes)}`);
    const headers = meta.headers;
    let expected: string | undefined = headers[FINGERPRINT_HEADER];
    if (expected === undefined) {
      const known = this.#expected.method(service, routes.version, method);
      if (known === ABSENT) throw new AccordError('FAILED_PRECONDITION', `${methodName(envelope, routes)} is not in this node's contract of ${service}.v${routes.version}; nodes serving it speak another contract`);
      expected = known?.fingerprint;
    }
    const offer = this.#choose(routes, kind, expected, meta.visited, failed) ?? this.#refusal(methodName(envelope, routes), routes, kind, expected, meta.visited, failed);
    const onward = offer.hops > 1 && expected !== undefined ? fingerprintHeader(expected) : undefined;
    const call: OutgoingCall = {
      service, version: routes.version, method, input: envelope.input, metadata: metadataFor(headers, onward), idempotent: false,
      deadline: meta.deadline, signal, hops: meta.hops, traceparent: meta.traceparent, visited: meta.visited,
    };
    return { offer, call };
  }

  /**
   * A call this node serves goes to another node when the least loaded compatible one has fewer
   * calls in flight from here than this node runs now (ties stay here: no hop is cheaper). Only
   * nodes serving the version that would run here are considered.
   */
  #offload(envelope: CallEnvelope, version: number, running: number): RoutedMethod | undefined {
    const { service, method, meta } = envelope;
    const routes = this.#routes.find(service, envelope.version, method);
    if (!routes || routes.version !== version) return undefined;
    const known = this.#expected.method(service, version, method);
    const expected = known === ABSENT ? undefined : known?.fingerprint;
    const best = this.#choose(routes, routes.info.kind, expected, meta.visited, undefined);
    if (!best || (this.#perNode.get(best.node) ?? 0) >= running) return undefined;
    return routes.info;
  }

  /** The compatible offer with the fewest calls in flight, then the fewest hops; ties at random. */
  #choose(routes: MethodRoutes, kind: MethodKind, expected: string | undefined, visited: readonly string[] | undefined, failed: readonly string[] | undefined): Offer | undefined {
    let best: Offer | undefined;
    let bestLoad = Infinity;
    let ties = 0;
    for (const offer of routes.offers) {
      if (offer.kind !== kind || (expected !== undefined && !fingerprintMatches(offer.fingerprint, expected)) || !offer.via.usable) continue;
      if (visited !== undefined && (visited.includes(offer.node) || visited.includes(offer.via.peer))) continue;
      if (failed !== undefined && failed.includes(offer.node)) continue;
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
  #refusal(where: string, routes: MethodRoutes, kind: MethodKind, expected: string | undefined, visited: readonly string[] | undefined, failed: readonly string[] | undefined): never {
    const nodes = (list: Offer[]) => list.map((o) => `'${o.node}'`).join(', ');
    const sameKind = routes.offers.filter((o) => o.kind === kind);
    if (sameKind.length === 0) {
      throw new AccordError('FAILED_PRECONDITION', `${where} is a ${kind === 'unary' ? 'stream' : 'unary'} method on ${nodes(routes.offers)}; it was called as a ${kind}`);
    }
    const matching = sameKind.filter((o) => expected === undefined || fingerprintMatches(o.fingerprint, expected));
    if (matching.length === 0) {
      const theirs = sameKind.map((o) => `'${o.node}' (${o.fingerprint.slice(0, 12)}…)`).join(', ');
      throw new AccordError('FAILED_PRECONDITION', `no reachable mesh node serves ${where} with the expected contract (fingerprint ${expected!.slice(0, 12)}…): ${theirs} serve another`);
    }
    if (matching.every((o) => visited?.includes(o.node) || visited?.includes(o.via.peer))) {
      throw new AccordError('UNAVAILABLE', `every mesh node serving ${where} (${nodes(matching)}) was already visited by this call, or is reached only through one that was`);
    }
    if (failed !== undefined) throw new AccordError('UNAVAILABLE', `the links to ${failed.map((n) => `'${n}'`).join(', ')} died under the call to ${where}, and no other node serves it`);
    throw new AccordError('UNAVAILABLE', `the links to ${nodes(matching)}, serving ${where}, are going away`);
  }
}

interface Target {
  offer: Offer;
  call: OutgoingCall;
}

/** `service.vN.method`, for errors (built only when one is thrown). */
function methodName(envelope: CallEnvelope, routes: MethodRoutes | undefined): string {
  return `${envelope.service}.v${routes?.version ?? envelope.version ?? '?'}.${envelope.method}`;
}

const NO_METADATA: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The caller's metadata as it leaves for the next hop: with the expected fingerprint header, or without one. */
function metadataFor(headers: Record<string, string>, fingerprint: string | undefined): Record<string, string> {
  const present = headers[FINGERPRINT_HEADER];
  if (present === fingerprint) return headers;
  if (fingerprint !== undefined) return { ...headers, [FINGERPRINT_HEADER]: fingerprint };
  let rest: Record<string, string> | undefined;
  for (const key in headers) if (key !== FINGERPRINT_HEADER) (rest ??= {})[key] = headers[key]!;
  return rest ?? NO_METADATA;
}

function failing(error: unknown): AsyncIterator<unknown> {
  return {
    next: () => Promise.reject(error),
    return: () => Promise.resolve({ value: undefined, done: true }),
  };
}
