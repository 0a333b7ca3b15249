/**
 * Turns the config's `services` entries into bound services: module paths are resolved (relative to
 * the config's root), checked and imported, and their BoundService exports collected. Modules are
 * remembered with their services, because the worker pool loads handlers by module path.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serviceKey } from '../contract/index.js';
import { boundServicesOf, isBoundService, type BoundService } from '../core/service-binding.js';
import { ConfigError, type ServiceEntry } from './config.js';

export interface LoadedService {
  bound: BoundService;
  /** Absolute path of the handler module it came from, when given as a path. */
  module?: string;
}

export async function loadServices(entries: readonly ServiceEntry[], root: string): Promise<LoadedService[]> {
  const out: LoadedService[] = [];
  const seen = new Set<BoundService>();
  const add = (bound: BoundService, module?: string) => {
    if (seen.has(bound)) return;
    seen.add(bound);
    out.push({ bound, module });
  };
  for (const [index, entry] of entries.entries()) {
    if (typeof entry === 'string' || entry instanceof URL) {
      const file = resolveModule(entry, root);
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      } catch (error) {
        throw new ConfigError(`handler module ${file} failed to load: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
      const found = boundServicesOf(mod);
      if (found.length === 0) {
        throw new ConfigError(`handler module ${file} exports no service; export the result of implement<Service>() or bindService() (exports: ${Object.keys(mod).join(', ') || 'none'})`);
      }
      found.forEach((bound) => add(bound, file));
    } else if (isBoundService(entry)) {
      add(entry);
    } else if (Array.isArray(entry) && entry.every(isBoundService)) {
      entry.forEach((bound) => add(bound));
    } else {
      throw new ConfigError(`services[${index}] is neither a handler module path nor a bound service (implement<Service>() / bindService())`);
    }
  }
  const keys = new Map<string, LoadedService>();
  for (const loaded of out) {
    const key = serviceKey(loaded.bound.contract);
    const other = keys.get(key);
    if (other) {
      throw new ConfigError(`service ${key} is served twice (${other.module ?? 'a bound service object'} and ${loaded.module ?? 'a bound service object'})`);
    }
    keys.set(key, loaded);
  }
  return out;
}

/** An absolute, existing file for a module entry; `.js` specifiers find their `.ts` source. */
export function resolveModule(entry: string | URL, root: string): string {
  const given = entry instanceof URL || entry.startsWith('file:') ? fileURLToPath(entry) : entry;
  const file = isAbsolute(given) ? given : resolve(root, given);
  const candidates = [file];
  if (/\.[mc]?js$/.test(file)) candidates.push(file.replace(/\.([mc]?)js$/, '.$1ts'));
  if (!/\.[mc]?[jt]s$/.test(file)) candidates.push(`${file}.ts`, `${file}.js`);
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new ConfigError(`handler module ${String(entry)} not found (looked for ${candidates.join(', ')})`);
  return found;
}
