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

interface KnownService {
  offer: ServiceOffer;
  contract: ServiceContract;
}

export class ContractIndex {
  readonly offers: ServiceOffer[];
  readonly #byService = new Map<string, Map<number, KnownService>>();

  constructor(contracts: readonly ServiceContract[]) {
    this.offers = offersOf(contracts);
    this.offers.forEach((offer, i) => {
      let versions = this.#byService.get(offer.name);
      if (!versions) this.#byService.set(offer.name, (versions = new Map()));
      versions.set(offer.version, { offer, contract: contracts[i]! });
    });
  }

  get size(): number {
    return this.offers.length;
  }

  /** The known service version (`version` undefined: the highest known). */
  service(name: string, version: number | undefined): ServiceOffer | undefined {
    return this.#known(name, version)?.offer;
  }

  /** The method as this node knows it; ABSENT when its service version is known without it; undefined when unknown. */
  method(service: string, version: number | undefined, method: string): KnownMethod | typeof ABSENT | undefined {
    const offer = this.service(service, version);
    if (!offer) return undefined;
    return Object.hasOwn(offer.methods, method) ? offer.methods[method] : ABSENT;
  }

  /** Whether the contract declares the method idempotent (false when the contract is unknown). */
  idempotent(service: string, version: number | undefined, method: string): boolean {
    const methods = this.#known(service, version)?.contract.methods;
    const known = methods && Object.hasOwn(methods, method) ? methods[method] : undefined;
    return known?.kind === 'unary' && known.idempotent;
  }

  #known(name: string, version: number | undefined): KnownService | undefined {
    const versions = this.#byService.get(name);
    if (!versions) return undefined;
    if (version !== undefined) return versions.get(version);
    let best: KnownService | undefined;
    for (const known of versions.values()) if (!best || known.offer.version > best.offer.version) best = known;
    return best;
  }
}
