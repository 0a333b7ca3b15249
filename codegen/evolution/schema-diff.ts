/**
 * Compares two canonical JSON Schemas of one message (before and after) and lists every
 * difference as a rule (schema-rules.ts) at a field path: `email`, `items[]` (array items),
 * `tags{}` (record values), `shape<kind=circle>` (one member of a tagged union).
 */
import { canonicalJson } from '../../runtime/contract/canonical-json.js';
import type { JsonSchema } from '../../runtime/contract/json-schema.js';
import type { Severity } from './change.js';
import { BOUND_KEYWORDS, ruleSeverity, type Direction } from './schema-rules.js';
import {
  allowedValues, asSchema, covers, findDiscriminator, isNullOnly, kindsOf, resolve, variantLabel, variants,
  type Kind, type Located,
} from './schema-shape.js';

export interface SchemaFinding {
  rule: string;
  severity: Severity;
  /** The field path, and for value rules `path=value`; absent for the message itself. */
  detail?: string;
  message: string;
}

/** Keywords the comparison understands; a difference in any other keyword is `schema-changed`. */
const UNDERSTOOD = new Set([
  '$ref', '$defs', 'definitions', 'type', 'const', 'enum', 'default', 'anyOf', 'oneOf', 'properties', 'required',
  'additionalProperties', 'propertyNames', 'items', 'prefixItems', 'exclusiveMinimum', 'exclusiveMaximum',
  'pattern', 'format', 'contentEncoding', ...BOUND_KEYWORDS,
  '$schema', '$comment', 'description', 'title', 'examples', 'deprecated',
]);

/** `subject` names the message in sentences: `input`, `output`, `event data`, `error data`. */
export function diffSchemas(base: JsonSchema, head: JsonSchema, direction: Direction, subject: string): SchemaFinding[] {
  const walker = new SchemaWalker(direction, subject);
  walker.compare(resolve(base, base), resolve(head, head), '');
  return walker.findings;
}

class SchemaWalker {
  readonly findings: SchemaFinding[] = [];
  /** Pairs of named schemas being compared: a recursive schema is compared once. */
  readonly #open = new Set<string>();

  constructor(readonly direction: Direction, readonly subject: string) {}

  compare(base: Located, head: Located, path: string, ignoreNull = false): void {
    const key = base.ref && head.ref ? `${base.ref} ${head.ref}` : undefined;
    if (key && this.#open.has(key)) return;
    if (key) this.#open.add(key);
    try {
      this.#compareVariants(variants(base), variants(head), path, ignoreNull);
    } finally {
      if (key) this.#open.delete(key);
    }
  }

  #compareVariants(base: Located[], head: Located[], path: string, ignoreNull: boolean): void {
    if (base.length === 1 && head.length === 1) return this.#single(base[0], head[0], path, ignoreNull);
    // A union: nullability first, then its other members matched up and compared pairwise.
    const nullable = (side: Located[]): boolean => side.some((v) => kindsOf(v.node).has('null'));
    if (!ignoreNull && nullable(base) !== nullable(head)) {
      this.#kindChange(nullable(base) ? 'type-narrowed' : 'type-widened', path, ['null']);
    }
    const rest = (side: Located[]): Located[] => side.filter((v) => !isNullOnly(v.node));
    const [b, h] = [rest(base), rest(head)];
    if (b.length === 1 && h.length === 1) return this.#single(b[0], h[0], path, true);
    this.#union(b, h, path);
  }

  #union(base: Located[], head: Located[], path: string): void {
    const tag = findDiscriminator(base.map((v) => v.node), head.map((v) => v.node));
    const signature = (v: Located): string => (tag ? variantLabel(v.node, tag) : canonicalJson(v.node));
    const unmatchedHead = [...head];
    const leftover: Located[] = [];
    for (const b of base) {
      const at = unmatchedHead.findIndex((h) => signature(h) === signature(b));
      if (at === -1) leftover.push(b);
      else this.compare(b, unmatchedHead.splice(at, 1)[0], tag ? `${path}<${variantLabel(b.node, tag)}>` : path, true);
    }
    // Without a tag, members of one JSON type that changed inside are still one member.
    const kindKey = (v: Located): string => [...kindsOf(v.node)].sort().join('|');
    for (const b of [...leftover]) {
      const sameKind = unmatchedHead.filter((h) => kindKey(h) === kindKey(b));
      if (tag || sameKind.length !== 1 || leftover.filter((o) => kindKey(o) === kindKey(b)).length !== 1) continue;
      leftover.splice(leftover.indexOf(b), 1);
      this.compare(b, unmatchedHead.splice(unmatchedHead.indexOf(sameKind[0]), 1)[0], path, true);
    }
    const member = (v: Located): string => `${path}<${variantLabel(v.node, tag)}>`;
    for (const b of leftover) this.#emit('variant-removed', path, `${this.#where(path)} no longer accepts the ${variantLabel(b.node, tag)} alternative`, member(b));
    for (const h of unmatchedHead) this.#emit('variant-added', path, `${this.#where(path)} has a new ${variantLabel(h.node, tag)} alternative`, member(h));
  }

  #single(base: Located, head: Located, path: string, ignoreNull: boolean): void {
    const [b, h] = [base.node, head.node];
    const bk = kindsOf(b);
    const hk = kindsOf(h);
    if (ignoreNull) {
      bk.delete('null');
      hk.delete('null');
    }
    const lost = [...bk].filter((k) => !covers(hk, k));
    const gained = [...hk].filter((k) => !covers(bk, k));
    const overlap = [...bk].some((k) => covers(hk, k) || (k === 'number' && hk.has('integer')));
    if (!overlap && (bk.size > 0 || hk.size > 0)) {
      return this.#emit('type-changed', path, `${this.#where(path)} changed type from ${list(bk)} to ${list(hk)}`);
    }
    if (lost.length) this.#kindChange('type-narrowed', path, lost);
    if (gained.length) this.#kindChange('type-widened', path, gained);
    this.#values(b, h, path);
    if (this.direction === 'input' && 'default' in b && 'default' in h && canonicalJson(b.default) !== canonicalJson(h.default)) {
      this.#emit('default-changed', path, `${this.#where(path)} defaults to ${JSON.stringify(h.default)} instead of ${JSON.stringify(b.default)}`);
    }
    const both = (...kinds: Kind[]): boolean => kinds.some((k) => bk.has(k)) && kinds.some((k) => hk.has(k));
    if (both('number', 'integer')) this.#numberBounds(b, h, path);
    if (both('string')) this.#stringRules(b, h, path);
    if (both('array')) this.#arrays(base, head, path);
    if (both('object')) this.#objects(base, head, path);
    for (const keyword of new Set([...Object.keys(b), ...Object.keys(h)])) {
      if (UNDERSTOOD.has(keyword) || canonicalJson(b[keyword]) === canonicalJson(h[keyword])) continue;
      this.#emit('schema-changed', `${path}#${keyword}`, `${this.#where(path)} changed its '${keyword}' keyword`);
    }
  }

  #values(b: JsonSchema, h: JsonSchema, path: string): void {
    const [bv, hv] = [allowedValues(b), allowedValues(h)];
    if (bv && hv) {
      const texts = (values: unknown[]): Map<string, unknown> => new Map(values.map((v) => [JSON.stringify(v), v]));
      const [bt, ht] = [texts(bv), texts(hv)];
      for (const [text, value] of bt) if (!ht.has(text)) this.#emit('value-removed', path, `${this.#where(path)} no longer allows ${text}`, valueDetail(path, value));
      for (const [text, value] of ht) if (!bt.has(text)) this.#emit('value-added', path, `${this.#where(path)} now allows ${text}`, valueDetail(path, value));
    } else if (bv) {
      this.#emit('values-unrestricted', path, `${this.#where(path)} is no longer limited to ${bv.map((v) => JSON.stringify(v)).join(', ')}`);
    } else if (hv) {
      this.#emit('values-restricted', path, `${this.#where(path)} is now limited to ${hv.map((v) => JSON.stringify(v)).join(', ')}`);
    }
  }

  #numberBounds(b: JsonSchema, h: JsonSchema, path: string): void {
    this.#bound('minimum', path, compareLimit(lowerBound(b), lowerBound(h), 1), describeBound(lowerBound(h), '>'));
    this.#bound('maximum', path, compareLimit(upperBound(b), upperBound(h), -1), describeBound(upperBound(h), '<'));
    const [bm, hm] = [b.multipleOf as number | undefined, h.multipleOf as number | undefined];
    if (bm === hm) return;
    if (bm !== undefined && hm !== undefined && !isMultiple(bm, hm) && !isMultiple(hm, bm)) {
      return this.#emit('multipleOf-changed', path, `${this.#where(path)} must be a multiple of ${hm} instead of ${bm}`);
    }
    const tighter = hm !== undefined && (bm === undefined || isMultiple(hm, bm));
    this.#bound('multipleOf', path, tighter ? 1 : -1, hm === undefined ? 'no multipleOf' : `multipleOf ${hm}`);
  }

  #stringRules(b: JsonSchema, h: JsonSchema, path: string): void {
    this.#bound('minLength', path, compareCount(b.minLength, h.minLength, 1), `minLength ${h.minLength ?? 'none'}`);
    this.#bound('maxLength', path, compareCount(b.maxLength, h.maxLength, -1), `maxLength ${h.maxLength ?? 'none'}`);
    const formatChanged = this.#presence('format', b.format, h.format, path);
    // A format (email, date-time) comes with zod's pattern for it: report the format only.
    if (!formatChanged) this.#presence('pattern', b.pattern, h.pattern, path);
    if (b.contentEncoding !== h.contentEncoding) {
      this.#emit('encoding-changed', path, `${this.#where(path)} changed encoding from ${b.contentEncoding ?? 'none'} to ${h.contentEncoding ?? 'none'}`);
    }
  }

  /** `<keyword>-added`, `-removed` or `-changed` for a keyword whose values cannot be ordered. */
  #presence(keyword: 'format' | 'pattern', b: unknown, h: unknown, path: string): boolean {
    if (b === h) return false;
    const text = (v: unknown): string => JSON.stringify(v);
    if (b === undefined) this.#emit(`${keyword}-added`, path, `${this.#where(path)} must now match ${keyword} ${text(h)}`);
    else if (h === undefined) this.#emit(`${keyword}-removed`, path, `${this.#where(path)} no longer has ${keyword} ${text(b)}`);
    else this.#emit(`${keyword}-changed`, path, `${this.#where(path)} changed ${keyword} from ${text(b)} to ${text(h)}`);
    return true;
  }

  #arrays(base: Located, head: Located, path: string): void {
    const [b, h] = [base.node, head.node];
    this.#bound('minItems', path, compareCount(b.minItems, h.minItems, 1), `minItems ${h.minItems ?? 'none'}`);
    this.#bound('maxItems', path, compareCount(b.maxItems, h.maxItems, -1), `maxItems ${h.maxItems ?? 'none'}`);
    this.#bound('uniqueItems', path, compareCount(b.uniqueItems ? 1 : 0, h.uniqueItems ? 1 : 0, 1), h.uniqueItems ? 'unique items' : 'repeated items allowed');
    const [bp, hp] = [(b.prefixItems ?? []) as unknown[], (h.prefixItems ?? []) as unknown[]];
    for (let i = 0; i < Math.min(bp.length, hp.length); i++) this.#sub(base, head, bp[i], hp[i], `${path}[${i}]`);
    if (typeof b.items === 'object' || typeof h.items === 'object') this.#sub(base, head, b.items, h.items, `${path}[]`);
  }

  #objects(base: Located, head: Located, path: string): void {
    const [b, h] = [base.node, head.node];
    const bp = (b.properties ?? {}) as Record<string, unknown>;
    const hp = (h.properties ?? {}) as Record<string, unknown>;
    const breq = new Set((b.required ?? []) as string[]);
    const hreq = new Set((h.required ?? []) as string[]);
    const closed = (node: JsonSchema): boolean => node.additionalProperties === false;
    const input = this.direction === 'input';
    for (const name of [...new Set([...Object.keys(bp), ...Object.keys(hp)])].sort()) {
      const field = join(path, name);
      if (!(name in hp)) {
        if (input) this.#emit(closed(h) ? 'field-refused' : 'field-removed', field, `${this.#where(field)} was removed`, field);
        else this.#emit(breq.has(name) ? 'field-removed' : 'optional-field-removed', field, `${this.#where(field)} was removed`, field);
      } else if (!(name in bp)) {
        const rule = !input ? 'field-added' : hreq.has(name) ? 'required-added' : 'optional-added';
        this.#emit(rule, field, `${this.#where(field)} is new${input ? (hreq.has(name) ? ' and required' : ' and optional') : ''}`, field);
      } else {
        if (breq.has(name) && !hreq.has(name)) this.#emit('became-optional', field, `${this.#where(field)} became optional`, field);
        if (!breq.has(name) && hreq.has(name)) this.#emit('became-required', field, `${this.#where(field)} became required`, field);
        this.#sub(base, head, bp[name], hp[name], field);
      }
    }
    if (input && !closed(b) && closed(h)) this.#emit('unknown-fields-refused', path, `${this.#where(path)} now refuses fields it does not declare`);
    if (input && closed(b) && !closed(h)) this.#emit('unknown-fields-allowed', path, `${this.#where(path)} now accepts (and drops) fields it does not declare`);
    const record = (node: JsonSchema): boolean => typeof node.additionalProperties === 'object';
    if (record(b) || record(h)) {
      if (!closed(b) && !closed(h)) this.#sub(base, head, b.additionalProperties, h.additionalProperties, `${path}{}`);
    }
    if (b.propertyNames !== undefined || h.propertyNames !== undefined) this.#sub(base, head, b.propertyNames, h.propertyNames, `${path}{key}`);
    this.#bound('minProperties', path, compareCount(b.minProperties, h.minProperties, 1), `minProperties ${h.minProperties ?? 'none'}`);
    this.#bound('maxProperties', path, compareCount(b.maxProperties, h.maxProperties, -1), `maxProperties ${h.maxProperties ?? 'none'}`);
  }

  /** Compares sub-schemas, each resolved in its own document. */
  #sub(base: Located, head: Located, b: unknown, h: unknown, path: string): void {
    this.compare(resolve(asSchema(b), base.root), resolve(asSchema(h), head.root), path);
  }

  /** `order` > 0: the head is tighter; < 0: looser; 0: the same. */
  #bound(keyword: string, path: string, order: number, now: string): void {
    if (order === 0) return;
    const rule = `${keyword}-${order > 0 ? 'tightened' : 'loosened'}`;
    this.#emit(rule, path, `${this.#where(path)} ${order > 0 ? 'tightened' : 'loosened'} ${keyword} (now: ${now})`);
  }

  #kindChange(rule: 'type-narrowed' | 'type-widened', path: string, kinds: Kind[]): void {
    const verb = rule === 'type-narrowed' ? 'no longer accepts' : 'now also accepts';
    this.#emit(rule, path, `${this.#where(path)} ${verb} ${kinds.sort().join(', ')}`);
  }

  #emit(rule: string, path: string, what: string, detail: string = path): void {
    const { severity, why } = ruleSeverity(rule, this.direction);
    const consequence = why && severity !== 'safe' ? `: ${why}` : '';
    this.findings.push({ rule, severity, ...(detail ? { detail } : {}), message: `${what}${consequence}` });
  }

  #where(path: string): string {
    return path ? `${this.subject} field '${path}'` : `the ${this.subject}`;
  }
}

type Limit = { value: number; exclusive: boolean } | undefined;

function lowerBound(node: JsonSchema): Limit {
  return tightest(node.minimum, node.exclusiveMinimum, 1);
}

function upperBound(node: JsonSchema): Limit {
  return tightest(node.maximum, node.exclusiveMaximum, -1);
}

/**
 * The tighter of an inclusive and an exclusive bound; `sign` 1 for lower bounds, -1 for upper.
 * ±MAX_SAFE_INTEGER counts as no bound: zod puts it on every `.int()`, and a JSON number past it
 * is not exact anyway.
 */
function tightest(inclusive: unknown, exclusive: unknown, sign: number): Limit {
  const a: Limit = typeof inclusive === 'number' && Math.abs(inclusive) !== Number.MAX_SAFE_INTEGER ? { value: inclusive, exclusive: false } : undefined;
  const b: Limit = typeof exclusive === 'number' ? { value: exclusive, exclusive: true } : undefined;
  if (!a || !b) return a ?? b;
  return compareLimit(a, b, sign) > 0 ? b : a;
}

/** > 0 when `h` is tighter than `b` (`sign` 1: lower bounds, -1: upper bounds); absent is unbounded. */
function compareLimit(b: Limit, h: Limit, sign: number): number {
  if (!b && !h) return 0;
  if (!b) return 1;
  if (!h) return -1;
  if (b.value !== h.value) return Math.sign(h.value - b.value) * sign;
  return Number(h.exclusive) - Number(b.exclusive);
}

function compareCount(b: unknown, h: unknown, sign: number): number {
  const limit = (v: unknown): Limit => (typeof v === 'number' ? { value: v, exclusive: false } : undefined);
  return compareLimit(limit(b), limit(h), sign);
}

function describeBound(limit: Limit, op: '>' | '<'): string {
  return limit ? `${op}${limit.exclusive ? '' : '='} ${limit.value}` : 'none';
}

/** Whether every multiple of `a` is a multiple of `b`. */
function isMultiple(a: number, b: number): boolean {
  const ratio = a / b;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** `status=archived` (strings bare, so an id is easy to pass to --allow), `limit=10`, `flag=null`. */
function valueDetail(path: string, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return path ? `${path}=${text}` : text;
}

function list(kinds: Set<Kind>): string {
  return kinds.size === 0 ? 'nothing' : [...kinds].sort().join('|');
}
