/**
 * One zod schema → JSON Schema, with zod 4's own `z.toJSONSchema`. Named schemas
 * (`.meta({ id })`) land in `$defs` (draft 2020-12) or `definitions` (draft 7) and are referenced;
 * `bytes()` becomes a base64 string, which is how binary data travels in JSON. Lives with the
 * contract language because fingerprints (runtime) and generated documents (codegen) must agree
 * on it.
 */
import { z } from 'zod';
import { isBytesSchema } from './bytes.js';

export type Io = 'input' | 'output';
export type JsonSchema = Record<string, unknown>;
/** OpenAPI 3.1 and the schema files use 2020-12; AsyncAPI 3.0 schemas are a superset of draft 7. */
export type JsonSchemaDialect = 'draft-2020-12' | 'draft-7';

/** Keys of a converted bytes() schema worth keeping (documentation, not structure). */
const DOC_KEYS = new Set(['description', 'title', 'examples', 'deprecated']);

/** Many documents convert the same messages; convert each once per side and dialect. */
const cache = new WeakMap<z.ZodType, Map<string, JsonSchema>>();

/** The JSON Schema of `schema` on side `io`. Shared between callers: treat it as read-only. */
export function toJsonSchema(schema: z.ZodType, io: Io, dialect: JsonSchemaDialect = 'draft-2020-12'): JsonSchema {
  let entry = cache.get(schema);
  if (!entry) cache.set(schema, (entry = new Map()));
  const key = `${io} ${dialect}`;
  let converted = entry.get(key);
  if (!converted) entry.set(key, (converted = convert(schema, io, dialect)));
  return converted;
}

function convert(schema: z.ZodType, io: Io, target: JsonSchemaDialect): JsonSchema {
  return z.toJSONSchema(schema, {
    target,
    io,
    unrepresentable: 'any',
    cycles: 'ref',
    reused: 'inline',
    override: ({ zodSchema, jsonSchema }) => {
      if (!isBytesSchema(zodSchema as unknown as z.ZodType)) return;
      const js = jsonSchema as Record<string, unknown>;
      for (const key of Object.keys(js)) if (!DOC_KEYS.has(key)) delete js[key];
      Object.assign(js, { type: 'string', contentEncoding: 'base64' });
    },
  }) as JsonSchema;
}
