/**
 * Contracts a node knows, by service, version and method, with their fingerprints: the ones it
 * serves (to check what callers expect of them) and, for routing, those plus the contracts it was
 * told to expect (`contracts` option). A method missing from a known contract is ABSENT: the node
 * knows that service version and it has no such method.
 */
import type { ServiceContract } from '../../contract/index.js';
import { offersOf, type MethodKind, type ServiceOffer } from './node-record.js';

export const ABSENT = Symbol('absent');

export interface KnownMethod {
  kind: MethodKind;
  fingerprint: string;
}

export class ContractIndex {
  readonly offers: ServiceOffer[];
  readonly #byService = new Map<string, Map<number, ServiceOffer>>();

  constructor(contracts: readonly ServiceContract[]) {
    this.offers = offersOf(contracts);
    for (const offer of this.offers) {
      let versions = this.#byService.get(offer.name);
      if (!versions) this.#byService.set(offer.name, (versions = new Map()));
      versions.set(offer.version, offer);
    }
  }

  get size(): number {
    return this.offers.length;
  }

  /** The known service version (`version` undefined: the highest known). */
  service(name: string, version: number | undefined): ServiceOffer | undefined {
    const versions = this.#byService.get(name);
    if (!versions) return undefined;
    if (version !== undefined) return versions.get(version);
    let best: ServiceOffer | undefined;
    for (const offer of versions.values()) if (!best || offer.version > best.version) best = offer;
    return best;
  }

  /** The method as this node knows it; ABSENT when its service version is known without it; undefined when unknown. */
  method(service: string, version: number | undefined, method: string): KnownMethod | typeof ABSENT | undefined {
    const offer = this.service(service, version);
    if (!offer) return undefined;
    return Object.prototype.hasOwnProperty.call(offer.methods, method) ? offer.methods[method] : ABSENT;
  }
}
