/**
 * The services a dispatcher serves, by name and version, with every method resolved once when the
 * dispatcher starts, so a call's lookup allocates nothing. Read-only after construction.
 */
import { serviceKey, type MethodContract, type ServiceContract } from '../contract/index.js';
import { AccordError } from './errors.js';
import type { BoundService } from './service-binding.js';

/** Built once per method and shared by every lookup: read-only. */
export interface ResolvedMethod {
  readonly service: ServiceContract;
  readonly name: string;
  readonly method: MethodContract;
}

export class ServiceTable {
  readonly #services = new Map<string, Map<number, ServiceContract>>();
  readonly #methods = new Map<ServiceContract, Map<string, ResolvedMethod>>();

  constructor(services: BoundService[]) {
    for (const bound of services) {
      const { name, version } = bound.contract;
      let versions = this.#services.get(name);
      if (!versions) this.#services.set(name, (versions = new Map()));
      if (versions.has(version)) throw new Error(`service ${serviceKey(bound.contract)} is registered twice`);
      versions.set(version, bound.contract);
      const methods = new Map<string, ResolvedMethod>();
      for (const [methodName, method] of Object.entries(bound.contract.methods)) methods.set(methodName, { service: bound.contract, name: methodName, method });
      this.#methods.set(bound.contract, methods);
    }
  }

  /** The services, sorted by name and version. */
  get services(): ServiceContract[] {
    return [...this.#services.values()].flatMap((v) => [...v.values()]).sort((a, b) =>
      a.name === b.name ? a.version - b.version : a.name < b.name ? -1 : 1);
  }

  /** A method, or undefined (no throwing on the hot path). `version` undefined: the highest served. */
  lookup(service: string, version: number | undefined, method: string): ResolvedMethod | undefined {
    const contract = this.contract(service, version);
    return contract && this.#methods.get(contract)!.get(method);
  }

  /** A service version, or undefined. */
  contract(service: string, version: number | undefined): ServiceContract | undefined {
    const versions = this.#services.get(service);
    if (!versions) return undefined;
    if (version !== undefined) return versions.get(version);
    let latest = 0;
    for (const v of versions.keys()) if (v > latest) latest = v;
    return versions.get(latest);
  }

  /** A method, or UNIMPLEMENTED naming what is missing (NOT_FOUND is left to handlers). */
  resolve(service: string, version: number | undefined, method: string): ResolvedMethod {
    const contract = this.resolveService(service, version);
    const found = this.#methods.get(contract)!.get(method);
    if (!found) throw new AccordError('UNIMPLEMENTED', `service '${serviceKey(contract)}' has no method '${method}'`);
    return found;
  }

  /** A service version, or UNIMPLEMENTED listing the versions served. */
  resolveService(service: string, version: number | undefined): ServiceContract {
    const contract = this.contract(service, version);
    if (contract) return contract;
    const versions = this.#services.get(service);
    if (!versions) throw new AccordError('UNIMPLEMENTED', `no service '${service}'`);
    throw new AccordError('UNIMPLEMENTED', `service '${service}' has no version ${version}; served: ${[...versions.keys()].map((v) => `v${v}`).join(', ')}`);
  }
}
