/**
 * Turns a REST request (path params, query string, body) into a method's input object.
 *
 * Path parameters and query strings arrive as text. For each field of the input object this looks
 * at the zod schema once, at start-up, and builds a converter: numbers, integers and booleans are
 * coerced from strings, arrays take repeated parameters (`?tag=a&tag=b`, or a single one), and
 * everything else is passed on unchanged. A value that does not convert stays a string, so the
 * dispatcher's validation reports it with its field path (`limit: expected number`).
 */
import type { z } from 'zod';
import { objectShape, isBytesSchema, type HttpRoute, type MethodContract } from '../../contract/index.js';
import { AccordError } from '../../core/errors.js';

type Convert = (value: unknown) => unknown;

const identity: Convert = (value) => value;

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  entries?: Record<string, unknown>;
}

function defOf(schema: z.ZodType): Def {
  return schema._zod.def as unknown as Def;
}

/** Looks through optional/nullable/default/pipe wrappers to the type a query value must become. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 32; i++) {
    if (isBytesSchema(current)) return current;
    const def = defOf(current);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined) ?? (def.type === 'lazy' ? (def as unknown as { getter: () => z.ZodType }).getter() : undefined);
    if (!next) return current;
    current = next;
  }
  return current;
}

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

function toNumber(value: unknown): unknown {
  return typeof value === 'string' && NUMERIC.test(value) ? Number(value) : value;
}

function toBoolean(value: unknown): unknown {
  if (value === 'true' || value === '1' || value === '') return true;
  if (value === 'false' || value === '0') return false;
  return value;
}

function toNull(value: unknown): unknown {
  return value === 'null' ? null : value;
}

/** The converter from query/path text to what `schema` expects. */
export function converterFor(schema: z.ZodType): Convert {
  const nullable = defOf(schema).type === 'nullable' || hasNullable(schema);
  const base = unwrap(schema);
  const convert = scalarConverter(base);
  if (!nullable) return convert;
  return (value) => {
    const v = toNull(value);
    return v === null ? null : convert(v);
  };
}

function hasNullable(schema: z.ZodType): boolean {
  let current: z.ZodType | undefined = schema;
  for (let i = 0; current && i < 32; i++) {
    const def = defOf(current);
    if (def.type === 'nullable') return true;
    current = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return false;
}

function scalarConverter(base: z.ZodType): Convert {
  if (isBytesSchema(base)) return identity; // base64 text; bytes() decodes it
  const def = defOf(base);
  switch (def.type) {
    case 'number':
    case 'int':
      return toNumber;
    case 'boolean':
      return toBoolean;
    case 'literal': {
      const values = def.values ?? [];
      if (values.every((v) => typeof v === 'number')) return toNumber;
      if (values.every((v) => typeof v === 'boolean')) return toBoolean;
      return identity;
    }
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      return values.every((v) => typeof v === 'number') ? toNumber : identity;
    }
    case 'array': {
      const element = converterFor(def.element!);
      return (value) => (Array.isArray(value) ? value : [value]).map(element);
    }
    case 'union': {
      // Text stays text when any branch takes a string; otherwise try the branches' coercions.
      const options = (def.options ?? []).map(unwrap);
      if (options.some((o) => ['string', 'enum', 'template_literal'].includes(defOf(o).type))) return identity;
      const converters = options.map(scalarConverter);
      return (value) => {
        for (const convert of converters) {
          const out = convert(value);
          if (out !== value) return out;
        }
        return value;
      };
    }
    default:
      return identity;
  }
}

/** Precomputed mapping for one REST route. */
export interface RestInput {
  /** Builds the input from fastify's parsed params, query and body. */
  build(params: Record<string, string>, query: Record<string, unknown>, body: unknown): unknown;
}

export function restInput(route: HttpRoute, method: MethodContract): RestInput {
  const shape = objectShape(method.input) ?? {};
  const converters = new Map<string, Convert>();
  for (const [field, schema] of Object.entries(shape)) converters.set(field, converterFor(schema));
  const convert = (field: string, value: unknown) => {
    const c = converters.get(field);
    return c ? c(value) : value;
  };
  const takesBody = route.verb === 'POST' || route.verb === 'PUT' || route.verb === 'PATCH';
  const params = route.params;

  return {
    build(pathParams, query, body) {
      const input: Record<string, unknown> = {};
      if (takesBody) {
        if (body !== undefined && body !== null) {
          if (typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) {
            throw new AccordError('INVALID_ARGUMENT', `the body of ${route.verb} ${route.path} must be an object`, {
              issues: [{ path: '', message: 'expected an object body' }],
            });
          }
          for (const key of Object.keys(body)) if (key !== '__proto__') input[key] = (body as Record<string, unknown>)[key];
        }
      } else {
        for (const key of Object.keys(query)) {
          if (key === '__proto__') continue;
          input[key] = convert(key, query[key]);
        }
      }
      for (const name of params) {
        const raw = pathParams[name];
        if (raw !== undefined) input[name] = convert(name, raw);
      }
      return input;
    },
  };
}
