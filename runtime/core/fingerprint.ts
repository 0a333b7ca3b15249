/**
 * Contract fingerprints, computed at run time from the contract itself: a server, a mesh node or a
 * NATS adapter compares them with a peer's at handshake to find a peer that speaks a different
 * contract before the first call fails. `generated/manifest.json` holds the same values (codegen
 * uses this module), and a generated client knows them.
 *
 * A method's fingerprint is the sha256 of the canonical JSON of its canonical form
 * (runtime/contract/canonical-form.ts: kind, route, idempotent, auth, input, output, declared
 * errors); an event's, of its data schema's; a service version's, of its name, version, security
 * schemes and the fingerprints of its methods and events. Documentation never changes one.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../contract/canonical-json.js';
import { canonicalEvent, canonicalMethod, canonicalSecuritySchemes } from '../contract/canonical-form.js';
import type { ServiceContract } from '../contract/types.js';

export interface ServiceFingerprints {
  /** The service version's fingerprint: changes when any method, event or security scheme does. */
  service: string;
  /** Method name → fingerprint. */
  methods: Record<string, string>;
  /** Event name → fingerprint. */
  events: Record<string, string>;
}

/** sha256 (hex) of the canonical JSON of `value`: the fingerprint of any plain-data contract part. */
export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Contracts are frozen: compute each service's fingerprints once. */
const computed = new WeakMap<ServiceContract, ServiceFingerprints>();

export function serviceFingerprints(service: ServiceContract): ServiceFingerprints {
  const known = computed.get(service);
  if (known) return known;
  const methods: Record<string, string> = {};
  for (const name of Object.keys(service.methods).sort()) methods[name] = fingerprintOf(canonicalMethod(service.methods[name]));
  const events: Record<string, string> = {};
  for (const name of Object.keys(service.events).sort()) events[name] = fingerprintOf(canonicalEvent(service.events[name]));
  const fingerprints: ServiceFingerprints = {
    service: fingerprintOf({
      name: service.name,
      version: service.version,
      securitySchemes: canonicalSecuritySchemes(service.securitySchemes),
      methods,
      events,
    }),
    methods,
    events,
  };
  computed.set(service, fingerprints);
  return fingerprints;
}
