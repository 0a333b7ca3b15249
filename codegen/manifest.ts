/**
 * `generated/manifest.json`: a fingerprint per service version and per method, which servers and
 * mesh nodes compare at handshake. A method's fingerprint is the sha256 of the canonical JSON of its
 * input and output JSON Schemas, its declared errors (status and data schema) and the options that
 * change how it is called (kind, route, idempotent, auth, runs, timeout). Descriptions, summaries
 * and tags are left out: editing docs must not break a handshake.
 */
import { createHash } from 'node:crypto';
import { serviceKey, type MethodContract, type ServiceContract } from '../runtime/contract/index.js';
import { canonicalJson } from './canonical-json.js';
import { JSON_GENERATED_NOTE } from './file-header.js';
import { toJsonSchema } from './json-schema.js';

export interface Manifest {
  'x-generated': string;
  /** Format of this file; bumped when the fingerprint recipe changes. */
  manifestVersion: 1;
  services: Record<string, {
    name: string;
    version: number;
    fingerprint: string;
    methods: Record<string, { kind: 'unary' | 'stream'; fingerprint: string }>;
    events: Record<string, { fingerprint: string }>;
  }>;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** What a method's fingerprint covers, as plain data. */
export function methodFingerprintSource(method: MethodContract): unknown {
  return {
    kind: method.kind,
    input: toJsonSchema(method.input, 'input'),
    output: toJsonSchema(method.output, 'output'),
    errors: Object.fromEntries(Object.keys(method.errors).sort().map((code) => {
      const spec = method.errors[code];
      return [code, { status: spec.status, data: spec.data ? toJsonSchema(spec.data, 'output') : null }];
    })),
    route: method.route ? `${method.route.verb} ${method.route.path}` : null,
    idempotent: method.idempotent,
    auth: method.auth ?? null,
    runs: method.runs,
    timeoutMs: method.timeoutMs ?? null,
  };
}

export function buildManifest(services: ServiceContract[]): Manifest {
  const out: Manifest['services'] = {};
  for (const service of services) {
    const methods: Manifest['services'][string]['methods'] = {};
    for (const name of Object.keys(service.methods).sort()) {
      methods[name] = { kind: service.methods[name].kind, fingerprint: sha256(canonicalJson(methodFingerprintSource(service.methods[name]))) };
    }
    const events: Manifest['services'][string]['events'] = {};
    for (const name of Object.keys(service.events).sort()) {
      events[name] = { fingerprint: sha256(canonicalJson(toJsonSchema(service.events[name].data, 'output'))) };
    }
    const fingerprint = sha256(canonicalJson({ name: service.name, version: service.version, methods, events }));
    out[serviceKey(service)] = { name: service.name, version: service.version, fingerprint, methods, events };
  }
  return { 'x-generated': JSON_GENERATED_NOTE, manifestVersion: 1, services: out };
}
