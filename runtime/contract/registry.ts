/** Collects the services that contract modules export, refusing two definitions of one name and version. */
import { ContractError } from './define.js';
import { serviceKey, type ServiceContract } from './types.js';

export function isServiceContract(value: unknown): value is ServiceContract {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'service';
}

/** Services in a stable order: by name, then version. */
export function collectServices(modules: Iterable<Record<string, unknown>>): ServiceContract[] {
  const byKey = new Map<string, ServiceContract>();
  for (const mod of modules) {
    for (const value of Object.values(mod)) {
      if (!isServiceContract(value)) continue;
      const key = serviceKey(value);
      const existing = byKey.get(key);
      if (existing && existing !== value) {
        throw new ContractError(`${value.definedIn}: service '${key}' is already defined in ${existing.definedIn}`);
      }
      byKey.set(key, value);
    }
  }
  return [...byKey.values()].sort((a, b) => (a.name === b.name ? a.version - b.version : a.name < b.name ? -1 : 1));
}
