/**
 * The canonical form of a contract: what a caller and a server must agree on, as plain JSON data.
 * Fingerprints hash it (runtime/core/fingerprint.ts), the manifest stores it and `accord diff`
 * compares it. Documentation (descriptions, titles, examples, summaries, tags, deprecation) and
 * server-side choices (where a handler runs, its default timeout) are left out, so editing them
 * never changes a fingerprint; sets (required fields, enum values, scopes) are sorted, so
 * reordering them does not either.
 */
import { sortKeys } from './canonical-json.js';
import { toJsonSchema, type Io, type JsonSchema } from './json-schema.js';
import type { EventContract, MethodContract, SecurityScheme, Schema } from './types.js';

export interface CanonicalError {
  status: number;
  data: JsonSchema | null;
}

export interface CanonicalMethod {
  kind: 'unary' | 'stream';
  /** `GET /v2/users/{id}`, or null without a REST route. */
  route: string | null;
  idempotent: boolean;
  /** Any one of `schemes`, with every scope in `scopes`; null when the method is public. */
  auth: { schemes: string[]; scopes: string[] } | null;
  /** What a caller may send (zod input side). */
  input: JsonSchema;
  /** What a caller receives (zod output side); for a stream, one item. */
  output: JsonSchema;
  errors: Record<string, CanonicalError>;
}

export interface CanonicalEvent {
  data: JsonSchema;
  /** Present only for events with an auth requirement (so open events keep their fingerprints). */
  auth?: { schemes: string[]; scopes: string[] };
}

/** A security scheme as a client must use it: its type and, for API keys, where the key goes. */
export type CanonicalSecurityScheme = { type: 'bearer' } | { type: 'apiKey'; in: 'header'; name: string };

/** Keywords that document a schema without constraining it. */
const ANNOTATIONS = new Set(['$schema', '$comment', 'description', 'title', 'examples', 'deprecated']);
/** Keywords whose value is a set: their order means nothing. */
const SETS = new Set(['required', 'type', 'enum']);
/** Keywords whose value is a schema, an array of schemas, or a map of name → schema. */
const SCHEMA = new Set(['items', 'additionalItems', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema']);
const SCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_MAP = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** The JSON Schema of one message side with annotations removed, sets sorted and keys in order. */
export function canonicalSchema(schema: Schema, io: Io): JsonSchema {
  return sortKeys(strip(toJsonSchema(schema, io))) as JsonSchema;
}

function strip(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema; // `true`/`false` schemas
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key)) continue;
    if (SETS.has(key) && Array.isArray(value)) out[key] = sortSet(value);
    else if (SCHEMA.has(key)) out[key] = Array.isArray(value) ? value.map(strip) : strip(value);
    else if (SCHEMA_LIST.has(key) && Array.isArray(value)) out[key] = value.map(strip);
    else if (SCHEMA_MAP.has(key) && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strip(sub)]));
    } else out[key] = value;
  }
  return out;
}

function sortSet(values: unknown[]): unknown[] {
  return values
    .map((v) => [JSON.stringify(sortKeys(v)), v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, v]) => v);
}

export function canonicalMethod(method: MethodContract): CanonicalMethod {
  return {
    kind: method.kind,
    route: method.route ? `${method.route.verb} ${method.route.path}` : null,
    idempotent: method.idempotent,
    auth: method.auth ? { schemes: [...method.auth.schemes].sort(), scopes: [...method.auth.scopes].sort() } : null,
    input: canonicalSchema(method.input, 'input'),
    output: canonicalSchema(method.output, 'output'),
    errors: Object.fromEntries(Object.keys(method.errors).sort().map((code) => {
      const spec = method.errors[code];
      return [code, { status: spec.status, data: spec.data ? canonicalSchema(spec.data, 'output') : null }];
    })),
  };
}

export function canonicalEvent(event: EventContract): CanonicalEvent {
  const data = canonicalSchema(event.data, 'output');
  return event.auth ? { data, auth: { schemes: [...event.auth.schemes].sort(), scopes: [...event.auth.scopes].sort() } } : { data };
}

export function canonicalSecuritySchemes(schemes: Record<string, SecurityScheme>): Record<string, CanonicalSecurityScheme> {
  return Object.fromEntries(Object.keys(schemes).sort().map((name) => {
    const scheme = schemes[name];
    return [name, scheme.type === 'bearer' ? { type: 'bearer' } : { type: 'apiKey', in: scheme.in, name: scheme.name.toLowerCase() }];
  }));
}
