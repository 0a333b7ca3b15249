/**
 * Which zod types a contract may use. Everything on the wire must be expressible in JSON Schema,
 * in plain TypeScript declarations and in both codecs; this walks a schema and names the first
 * part that is not, with its path (`input.items[].when`).
 */
import type { z } from 'zod';
import { isBytesSchema } from './bytes.js';

/** Types with no faithful wire form, and what to use instead. */
const UNSUPPORTED: Record<string, string> = {
  date: 'send an ISO string: z.iso.datetime()',
  bigint: 'send a string or a number',
  symbol: 'symbols cannot be serialized',
  function: 'functions cannot be serialized',
  promise: 'return the value; the handler is already async',
  map: 'use z.record()',
  set: 'use z.array()',
  nan: 'NaN has no JSON form',
  void: 'use z.object({}) for an empty message',
  never: 'z.never() can carry no value',
  undefined: 'use .optional() on a field',
  custom: 'custom checks have no JSON Schema; use bytes() for binary data or a refine on a supported type',
  file: 'use bytes() for binary data',
};

interface Def {
  type: string;
  [key: string]: unknown;
}

function defOf(schema: z.ZodType): Def {
  return schema._zod.def as unknown as Def;
}

/** The schemas directly inside `schema`, each with the path segment that leads to it. */
export function childSchemas(schema: z.ZodType): Array<[segment: string, child: z.ZodType]> {
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      const out: Array<[string, z.ZodType]> = Object.keys(shape).map((k) => [`.${k}`, shape[k]]);
      if (def.catchall) out.push(['.*', def.catchall as z.ZodType]);
      return out;
    }
    case 'array':
      return [['[]', def.element as z.ZodType]];
    case 'tuple': {
      const items = (def.items as z.ZodType[]).map((item, i): [string, z.ZodType] => [`[${i}]`, item]);
      if (def.rest) items.push(['[...]', def.rest as z.ZodType]);
      return items;
    }
    case 'union':
      return (def.options as z.ZodType[]).map((o, i): [string, z.ZodType] => [`|${i}`, o]);
    case 'intersection':
      return [['&left', def.left as z.ZodType], ['&right', def.right as z.ZodType]];
    case 'record':
      return [['{key}', def.keyType as z.ZodType], ['{value}', def.valueType as z.ZodType]];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return [['', def.innerType as z.ZodType]];
    case 'pipe':
      return [['', def.in as z.ZodType], ['', def.out as z.ZodType]];
    case 'lazy':
      return [['', (def.getter as () => z.ZodType)()]];
    default:
      return [];
  }
}

/** Returns a message naming the first unsupported part of `schema`, or undefined when all is well. */
export function findUnsupported(schema: z.ZodType, path: string, seen = new Set<z.ZodType>()): string | undefined {
  if (seen.has(schema)) return undefined;
  seen.add(schema);
  if (isBytesSchema(schema)) return undefined;
  const def = defOf(schema);
  const hint = UNSUPPORTED[def.type];
  if (hint) return `${path} uses z.${def.type}(), which Accord cannot put on the wire (${hint})`;
  for (const [segment, child] of childSchemas(schema)) {
    const problem = findUnsupported(child, path + segment, seen);
    if (problem) return problem;
  }
  return undefined;
}

/** True when the schema parses to a different type than the caller writes (defaults, transforms, coercion). */
export function hasTransforms(schema: z.ZodType, seen = new Set<z.ZodType>()): boolean {
  if (seen.has(schema) || isBytesSchema(schema)) return false;
  seen.add(schema);
  const def = defOf(schema);
  if (def.type === 'pipe' || def.type === 'transform' || def.type === 'default' || def.type === 'prefault') return true;
  if ((def as { coerce?: boolean }).coerce) return true;
  return childSchemas(schema).some(([, child]) => hasTransforms(child, seen));
}
