/**
 * Reading a canonical JSON Schema (runtime/contract/canonical-form.ts) the way the comparison
 * needs it: references resolved against the message's own `$defs`, unions split into variants,
 * and each variant's set of JSON types and, for enums and constants, of allowed values.
 */
import type { JsonSchema } from '../../runtime/contract/json-schema.js';

export type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';
export const ALL_KINDS: Kind[] = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'];

/** A schema node and the document it lives in (where its `$ref`s point). */
export interface Located {
  node: JsonSchema;
  root: JsonSchema;
  /** The named schema this node was reached through, for cycle detection. */
  ref?: string;
}

/** `true` (anything) and `false` (nothing) as object schemas, so callers handle one shape. */
export function asSchema(value: unknown): JsonSchema {
  if (value === true || value === undefined) return {};
  if (value === false) return { not: {} };
  return value as JsonSchema;
}

/** Follows `$ref` (`#/$defs/X`, `#/definitions/X`, `#`) until a node without one; sibling keywords win. */
export function resolve(node: JsonSchema, root: JsonSchema): Located {
  let current = node;
  let ref: string | undefined;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops++) {
    ref = current.$ref as string;
    const { $ref: _, ...siblings } = current;
    current = { ...asSchema(lookup(ref, root)), ...siblings };
  }
  return { node: current, root, ref };
}

function lookup(ref: string, root: JsonSchema): unknown {
  if (ref === '#') return root;
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const target = match ? (root[match[1]] as Record<string, unknown> | undefined)?.[decodeURIComponent(match[2])] : undefined;
  if (target === undefined) throw new Error(`schema reference ${ref} points to nothing`);
  return target;
}

/** The alternatives of a node: `anyOf`/`oneOf` members (flattened), or the node itself. */
export function variants(located: Located): Located[] {
  const { node, root } = located;
  const members = (node.anyOf ?? node.oneOf) as unknown[] | undefined;
  if (!Array.isArray(members) || node.type !== undefined) return [located];
  return members.flatMap((m) => variants(resolve(asSchema(m), root)));
}

export function isNullOnly(node: JsonSchema): boolean {
  return node.type === 'null' || (Array.isArray(node.type) && node.type.length === 1 && node.type[0] === 'null') || node.const === null;
}

/** The values an enum or const allows, or undefined when the node is not restricted to a list. */
export function allowedValues(node: JsonSchema): unknown[] | undefined {
  if ('const' in node) return [node.const];
  return Array.isArray(node.enum) ? node.enum : undefined;
}

/** The JSON types a node accepts (all of them for a schema that does not say). */
export function kindsOf(node: JsonSchema): Set<Kind> {
  if (typeof node.type === 'string') return new Set([node.type as Kind]);
  if (Array.isArray(node.type)) return new Set(node.type as Kind[]);
  const values = allowedValues(node);
  if (values) return new Set(values.map(kindOfValue));
  if ('not' in node && Object.keys(asSchema(node.not)).length === 0) return new Set();
  return new Set(ALL_KINDS);
}

function kindOfValue(value: unknown): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as Kind;
}

/** Whether `kinds` accepts every value of kind `k` (numbers include integers). */
export function covers(kinds: Set<Kind>, k: Kind): boolean {
  return kinds.has(k) || (k === 'integer' && kinds.has('number'));
}

/** A short label for a union member in messages and ids: its discriminator value or its type. */
export function variantLabel(node: JsonSchema, discriminator: string | undefined): string {
  if (discriminator) {
    const value = constOf(node, discriminator);
    if (value !== undefined) return `${discriminator}=${String(value)}`;
  }
  return [...kindsOf(node)].sort().join('|');
}

/** The constant value of property `name` of an object node, if it has one. */
export function constOf(node: JsonSchema, name: string): unknown {
  const property = (node.properties as Record<string, JsonSchema> | undefined)?.[name];
  const values = property && typeof property === 'object' ? allowedValues(property) : undefined;
  return values?.length === 1 ? values[0] : undefined;
}

/** A property in which every variant of each side holds a distinct constant (a tagged union), if any. */
export function findDiscriminator(base: JsonSchema[], head: JsonSchema[]): string | undefined {
  const first = base[0]?.properties as Record<string, unknown> | undefined;
  if (!first) return undefined;
  const tags = (nodes: JsonSchema[], name: string): boolean => {
    const values = nodes.map((n) => constOf(n, name));
    return values.every((v) => v !== undefined) && new Set(values.map((v) => JSON.stringify(v))).size === values.length;
  };
  return Object.keys(first).sort().find((name) => tags(base, name) && tags(head, name));
}
