/**
 * Where a schema holds bytes() fields, as paths of object keys with `*` for array items and
 * record values. Generated clients use them to turn base64 strings (bytes over JSON) back into
 * Uint8Array, so a field typed Uint8Array is one whatever codec carried it.
 */
import type { z } from 'zod';
import { isBytesSchema } from './bytes.js';
import { childSchemas } from './schema-support.js';

type BytesPath = readonly string[];

export function bytesPaths(schema: z.ZodType): BytesPath[] {
  const found = new Map<string, BytesPath>();
  walk(schema, [], new Set(), found);
  return [...found.values()].sort((a, b) => (a.join('.') < b.join('.') ? -1 : 1));
}

function walk(schema: z.ZodType, path: string[], seen: Set<z.ZodType>, found: Map<string, BytesPath>): void {
  if (isBytesSchema(schema)) {
    found.set(path.join('\u0000'), path);
    return;
  }
  if (seen.has(schema)) return;
  seen.add(schema);
  for (const [segment, child] of childSchemas(schema)) {
    if (segment === '{key}' || segment === '&left' || segment === '&right' || segment === '' || segment.startsWith('|')) {
      if (segment !== '{key}') walk(child, path, seen, found);
    } else if (segment.startsWith('.')) {
      walk(child, segment === '.*' ? [...path, '*'] : [...path, segment.slice(1)], seen, found);
    } else {
      // array items, tuple members, record values
      walk(child, [...path, '*'], seen, found);
    }
  }
  seen.delete(schema);
}
