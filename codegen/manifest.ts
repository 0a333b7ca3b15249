/**
 * `generated/manifest.json`: per service version and per method, the fingerprint servers and mesh
 * nodes compare at handshake (computed by runtime/core/fingerprint.ts, the same code the runtime
 * runs) and the canonical form it hashes: input, output, error and event schemas, route, auth,
 * idempotency. Keeping the schemas, not only their hashes, lets `accord diff` compare a manifest
 * with contracts or with another manifest structurally. `deprecated` is kept beside the
 * fingerprint, not in it: deprecating a method changes no caller's contract.
 */
import { serviceKey, type ServiceContract } from '../runtime/contract/index.js';
import {
  canonicalEvent, canonicalMethod, canonicalSecuritySchemes,
  type CanonicalEvent, type CanonicalMethod, type CanonicalSecurityScheme,
} from '../runtime/contract/canonical-form.js';
import { serviceFingerprints } from '../runtime/core/fingerprint.js';
import { JSON_GENERATED_NOTE } from './file-header.js';

/** Format of manifest.json. 2: methods and events keep their canonical form, and fingerprints leave documentation, `runs` and `timeoutMs` out. */
export const MANIFEST_VERSION = 2;

export type ManifestMethod = { kind: CanonicalMethod['kind']; fingerprint: string; deprecated: boolean } & Omit<CanonicalMethod, 'kind'>;
export type ManifestEvent = { fingerprint: string } & CanonicalEvent;

export interface ManifestService {
  name: string;
  version: number;
  fingerprint: string;
  securitySchemes: Record<string, CanonicalSecurityScheme>;
  methods: Record<string, ManifestMethod>;
  events: Record<string, ManifestEvent>;
}

export interface Manifest {
  'x-generated': string;
  manifestVersion: typeof MANIFEST_VERSION;
  /** `users.v2` → that service version. */
  services: Record<string, ManifestService>;
}

export function buildManifest(services: ServiceContract[]): Manifest {
  const out: Manifest['services'] = {};
  for (const service of services) {
    const fingerprints = serviceFingerprints(service);
    const methods: ManifestService['methods'] = {};
    for (const name of Object.keys(service.methods).sort()) {
      const { kind, ...rest } = canonicalMethod(service.methods[name]);
      methods[name] = { kind, fingerprint: fingerprints.methods[name], deprecated: service.methods[name].deprecated, ...rest };
    }
    const events: ManifestService['events'] = {};
    for (const name of Object.keys(service.events).sort()) {
      events[name] = { fingerprint: fingerprints.events[name], ...canonicalEvent(service.events[name]) };
    }
    out[serviceKey(service)] = {
      name: service.name,
      version: service.version,
      fingerprint: fingerprints.service,
      securitySchemes: canonicalSecuritySchemes(service.securitySchemes),
      methods,
      events,
    };
  }
  return { 'x-generated': JSON_GENERATED_NOTE, manifestVersion: MANIFEST_VERSION, services: out };
}
