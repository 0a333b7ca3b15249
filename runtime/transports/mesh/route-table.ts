/**
 * Where each method can be reached, computed from the node records (link state): a breadth-first
 * walk from this node over its own usable links, then over edges both ends report, through nodes
 * that relay. It gives every reachable node's hop count and the link to send through (next hop),
 * and indexes what those nodes serve by service, version and method. Rebuilt lazily after any
 * change to links or records (meshes are small; a rebuild is a walk over the records).
 */
import { FINGERPRINT_PREFIX_LENGTH } from '../../core/contract-fingerprints.js';
import { META_HEADERS } from '../../core/envelope.js';
import type { ContractIndex } from './contract-index.js';
import { ABSENT } from './contract-index.js';
import type { Membership } from './membership.js';
import type { MethodKind } from './node-record.js';
import type { PeerLink } from './peer-link.js';

/**
 * Call metadata naming the method fingerprint the caller expects, set while a call has more than
 * one hop to go: the first FINGERPRINT_PREFIX hex digits of it (core/contract-check.ts). A longer
 * value (the whole fingerprint) is accepted too; a shorter one matches nothing.
 */
export const FINGERPRINT_HEADER = META_HEADERS.fingerprint;
const FINGERPRINT_PREFIX = FINGERPRINT_PREFIX_LENGTH;

/** What a node writes in FINGERPRINT_HEADER for a method fingerprint. */
export function fingerprintHeader(fingerprint: string): string {
  return fingerprint.length > FINGERPRINT_PREFIX ? fingerprint.slice(0, FINGERPRINT_PREFIX) : fingerprint;
}

/** Whether a method `fingerprint` is the one an `expected` header value names. */
export function fingerprintMatches(fingerprint: string, expected: string): boolean {
  return expected.length >= FINGERPRINT_PREFIX && fingerprint.startsWith(expected);
}

export interface Reach {
  hops: number;
  /** The link to send through. */
  via: PeerLink;
}

/** One node serving a method. */
export interface Offer {
  node: string;
  hops: number;
  via: PeerLink;
  kind: MethodKind;
  fingerprint: string;
}

export interface MethodRoutes {
  /** The version the offers are for (resolved when the call named none). */
  version: number;
  /** What `Router.find` answers: the kind this node expects, else the one most offers have. */
  info: { kind: MethodKind };
  offers: Offer[];
}

export class RouteTable {
  readonly #membership: Membership;
  readonly #links: () => Iterable<PeerLink>;
  readonly #expected: ContractIndex;
  #dirty = true;
  readonly #reach = new Map<string, Reach>();
  readonly #methods = new Map<string, Map<number, Map<string, MethodRoutes>>>();
  readonly #highest = new Map<string, number>();

  constructor(membership: Membership, links: () => Iterable<PeerLink>, expected: ContractIndex) {
    this.#membership = membership;
    this.#links = links;
    this.#expected = expected;
  }

  /** Links or records changed: rebuild before the next lookup. */
  invalidate(): void {
    this.#dirty = true;
  }

  /** Every node reachable now (this one excluded). */
  reach(): ReadonlyMap<string, Reach> {
    if (this.#dirty) this.#rebuild();
    return this.#reach;
  }

  /** The nodes serving a method (`version` undefined: the highest version any reachable node serves). */
  find(service: string, version: number | undefined, method: string): MethodRoutes | undefined {
    if (this.#dirty) this.#rebuild();
    const versions = this.#methods.get(service);
    if (!versions) return undefined;
    return versions.get(version ?? this.#highest.get(service)!)?.get(method);
  }

  /** How many methods (service, version, method) some reachable node serves. */
  methodCount(): number {
    if (this.#dirty) this.#rebuild();
    let count = 0;
    for (const versions of this.#methods.values()) for (const methods of versions.values()) count += methods.size;
    return count;
  }

  /** What reachable nodes serve, for status pages and tests: `service.vN` → node ids. */
  services(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [node] of this.reach()) {
      for (const offer of this.#membership.get(node)?.services ?? []) (out[`${offer.name}.v${offer.version}`] ??= []).push(node);
    }
    return out;
  }

  #rebuild(): void {
    this.#dirty = false;
    this.#reach.clear();
    this.#methods.clear();
    this.#highest.clear();
    const membership = this.#membership;
    const queue: string[] = [];
    for (const link of this.#links()) {
      if (!link.usable || this.#reach.has(link.peer) || membership.get(link.peer)?.leaving) continue;
      this.#reach.set(link.peer, { hops: 1, via: link });
      queue.push(link.peer);
    }
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i]!;
      const record = membership.get(node);
      if (!record || !record.relay) continue;
      const { hops, via } = this.#reach.get(node)!;
      for (const next of record.links) {
        if (next === membership.self || this.#reach.has(next)) continue;
        const other = membership.get(next);
        // An edge counts only when both ends report it: a node that died is dropped by its neighbours first.
        if (!other || other.leaving || !other.links.includes(node)) continue;
        this.#reach.set(next, { hops: hops + 1, via });
        queue.push(next);
      }
    }
    for (const [node, { hops, via }] of this.#reach) {
      for (const offer of membership.get(node)?.services ?? []) {
        let versions = this.#methods.get(offer.name);
        if (!versions) this.#methods.set(offer.name, (versions = new Map()));
        let methods = versions.get(offer.version);
        if (!methods) versions.set(offer.version, (methods = new Map()));
        if (offer.version > (this.#highest.get(offer.name) ?? 0)) this.#highest.set(offer.name, offer.version);
        for (const [name, method] of Object.entries(offer.methods)) {
          let routes = methods.get(name);
          if (!routes) methods.set(name, (routes = { version: offer.version, info: { kind: method.kind }, offers: [] }));
          routes.offers.push({ node, hops, via, kind: method.kind, fingerprint: method.fingerprint });
        }
      }
    }
    for (const [service, versions] of this.#methods) {
      for (const [version, methods] of versions) {
        for (const [name, routes] of methods) routes.info = { kind: this.#kindOf(service, version, name, routes.offers) };
      }
    }
  }

  #kindOf(service: string, version: number, method: string, offers: Offer[]): MethodKind {
    const known = this.#expected.method(service, version, method);
    if (known && known !== ABSENT) return known.kind;
    const unary = offers.filter((o) => o.kind === 'unary').length;
    return unary * 2 >= offers.length ? 'unary' : 'stream';
  }
}
