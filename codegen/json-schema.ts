/**
 * One zod schema → JSON Schema 2020-12, with zod 4's own `z.toJSONSchema`. Named schemas
 * (`.meta({ id })`) land in `$defs` and are referenced; `bytes()` becomes a base64 string, which is
 * how binary data travels in JSON.
 */
import { z } from 'zod';
import { isBytesSchema } from '../runtime/contract/index.js';

export type Io = 'input' | 'output';
export type JsonSchema = Record<string, unknown>;

/** Keys of a converted bytes() schema worth keeping (documentation, not structure). */
const DOC_KEYS = new Set(['description', 'title', 'examples', 'deprecated']);

/** OpenAPI, the schema files and the manifest convert the same messages; convert each once. */
const cache = new WeakMap<z.ZodType, Partial<Record<Io, JsonSchema>>>();

/** The JSON Schema of `schema` on side `io`. Shared between callers: treat it as read-only. */
export function toJsonSchema(schema: z.ZodType, io: Io): JsonSchema {
  const entry = cache.get(schema) ?? {};
  cache.set(schema, entry);
  return (entry[io] ??= convert(schema, io));
}

function convert(schema: z.ZodType, io: Io): JsonSchema {
  return z.toJSONSchema(schema, {
    target: 'draft-2020-12',
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
