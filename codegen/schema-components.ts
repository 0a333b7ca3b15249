/**
 * Message schemas for documents that keep named schemas in `components/schemas` (OpenAPI and
 * AsyncAPI). Converts each message, moves its named schemas (`.meta({ id })`) into components
 * and points its references there. A named schema whose input side differs from its output side
 * (defaults, coercion) becomes two components, `<id>` (output) and `<id>Input`; input references
 * carry a placeholder until every message is converted (`settle`), because only then is it known
 * whether the two sides differ.
 */
import { canonicalJson } from './canonical-json.js';
import { toJsonSchema, type Io, type JsonSchema, type JsonSchemaDialect } from './json-schema.js';

const COMPONENTS = '#/components/schemas/';
const INPUT_REF = '#/components/schemas/@input/';
const DEFS_KEY: Record<JsonSchemaDialect, string> = { 'draft-2020-12': '$defs', 'draft-7': 'definitions' };

export class SchemaComponents {
  readonly #defs = new Map<string, { input?: JsonSchema; output?: JsonSchema }>();

  constructor(readonly dialect: JsonSchemaDialect) {}

  /** The schema of one message side, with references to components (input ones as placeholders). */
  convert(schema: Parameters<typeof toJsonSchema>[0], io: Io): JsonSchema {
    const defsKey = DEFS_KEY[this.dialect];
    const { $schema: _drop, [defsKey]: defs, ...rest } = toJsonSchema(schema, io, this.dialect) as JsonSchema;
    for (const [id, def] of Object.entries((defs ?? {}) as Record<string, JsonSchema>)) {
      const entry = this.#defs.get(id) ?? {};
      entry[io] = this.#rewrite(def, io) as JsonSchema;
      this.#defs.set(id, entry);
    }
    return this.#rewrite(rest, io) as JsonSchema;
  }

  /** The object schema behind a converted input (following a placeholder to its component), if it is one. */
  inputObject(schema: JsonSchema): JsonSchema | undefined {
    const ref = schema.$ref as string | undefined;
    if (ref?.startsWith(INPUT_REF)) return this.#defs.get(ref.slice(INPUT_REF.length))?.input;
    return schema.type === 'object' ? schema : undefined;
  }

  /** Every named schema, by component name. */
  components(): Record<string, JsonSchema> {
    const out: Record<string, JsonSchema> = {};
    for (const [id, entry] of this.#defs) {
      if (entry.output) out[id] = entry.output;
      if (entry.input && this.#inputName(id) !== id) out[`${id}Input`] = entry.input;
      else if (entry.input && !entry.output) out[id] = entry.input;
    }
    return out;
  }

  /** `value` (any part of the document) with input placeholders replaced by their final names. */
  settle(value: unknown): unknown {
    return mapRefs(value, (ref) => (ref.startsWith(INPUT_REF) ? `${COMPONENTS}${this.#inputName(ref.slice(INPUT_REF.length))}` : ref));
  }

  /** Input-side defs that equal their output side share the name; others are called `<id>Input`. */
  #inputName(id: string): string {
    const entry = this.#defs.get(id)!;
    if (!entry.output) return id;
    const input = mapRefs(entry.input, (ref) => (ref.startsWith(INPUT_REF) ? `${COMPONENTS}${ref.slice(INPUT_REF.length)}` : ref));
    return canonicalJson(input) === canonicalJson(entry.output) ? id : `${id}Input`;
  }

  /** `#/$defs/X` (or `#/definitions/X`) → the component (output) or the input placeholder. */
  #rewrite(value: unknown, io: Io): unknown {
    const local = `#/${DEFS_KEY[this.dialect]}/`;
    return mapRefs(value, (ref) => (ref.startsWith(local) ? `${io === 'input' ? INPUT_REF : COMPONENTS}${ref.slice(local.length)}` : ref));
  }
}

/** A copy of `value` with every `$ref` string passed through `map`. */
function mapRefs(value: unknown, map: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapRefs(v, map));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = key === '$ref' && typeof v === 'string' ? map(v) : mapRefs(v, map);
  return out;
}
