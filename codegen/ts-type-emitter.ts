/**
 * Turns a zod 4 schema into the text of a plain TypeScript type, by walking `schema._zod.def`.
 * One side at a time: 'input' is what a caller writes (defaulted fields optional, coerced fields
 * their base type), 'output' is what parsing yields (defaults filled in, pipes' `out`).
 *
 * Schemas with `.meta({ id })` become named declarations referenced by name, which is also how
 * recursive (z.lazy) schemas work; an unnamed recursive schema is refused with a clear message.
 * A bare transform's result type is only known to the TypeScript compiler, so it is `unknown` here.
 */
import { z } from 'zod';
import { hasTransforms, isBytesSchema } from '../runtime/contract/index.js';

export type Side = 'input' | 'output';

interface Def {
  type: string;
  [key: string]: unknown;
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

/** The `id` a schema was given with `.meta({ id })`, if any. */
export function schemaId(schema: z.ZodType): string | undefined {
  const id = z.globalRegistry.get(schema)?.id;
  return typeof id === 'string' ? id : undefined;
}

export function schemaDescription(schema: z.ZodType): string | undefined {
  const description = z.globalRegistry.get(schema)?.description;
  return typeof description === 'string' ? description : undefined;
}

/** A named type the emitter referenced and its declaring file must contain. */
export interface NamedDeclaration {
  name: string;
  /** The declaration text, e.g. `export interface UserV1 { ... }`. */
  text: string;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as TypeScript needs it written. */
export function propertyKey(key: string): string {
  return IDENT.test(key) ? key : JSON.stringify(key);
}

/** Contract text made safe inside a JSDoc block (a star-slash would end the block early). */
export function docText(text: string): string {
  return text.replace(/\*\//g, '*\\/');
}

/** A JSDoc block for a description, or nothing. */
export function docComment(description: string | undefined, indent = ''): string {
  if (!description) return '';
  const lines = docText(description).split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`).join('\n')}\n${indent} */\n`;
}

export class TypeEmitter {
  /** Named schemas referenced so far, keyed by declaration name. */
  readonly #named = new Map<string, { schema: z.ZodType; side: Side }>();
  /** The schema each id belongs to, to refuse two different schemas with one id. */
  readonly #ids = new Map<string, z.ZodType>();
  readonly #stack: z.ZodType[] = [];

  /** The name of a named schema's declaration on one side: `UserV1`, or `UserV1Input` when the sides differ. */
  namedTypeName(schema: z.ZodType, id: string, side: Side): string {
    return side === 'input' && hasTransforms(schema) ? `${id}Input` : id;
  }

  /** The type text of `schema` on `side`. */
  typeOf(schema: z.ZodType, side: Side, path = 'schema'): string {
    return this.#members(schema, side, path).join(' | ');
  }

  /** The members of the union the type is (one member for a non-union type), deduplicated. */
  #members(schema: z.ZodType, side: Side, path: string): string[] {
    const id = schemaId(schema);
    if (id !== undefined && !isBytesSchema(schema)) {
      if (!IDENT.test(id)) throw new Error(`${path}: .meta({ id: '${id}' }) must be a TypeScript identifier to name a generated type`);
      const known = this.#ids.get(id);
      if (known && known !== schema) throw new Error(`${path}: two different schemas use .meta({ id: '${id}' })`);
      this.#ids.set(id, schema);
      const name = this.namedTypeName(schema, id, side);
      if (!this.#named.has(name)) this.#named.set(name, { schema, side });
      return [name];
    }
    if (this.#stack.includes(schema)) {
      throw new Error(`${path} is recursive; give the recursive schema a name with .meta({ id: 'Name' }) so it can be declared`);
    }
    this.#stack.push(schema);
    try {
      return [...new Set(this.#structural(schema, side, path))];
    } finally {
      this.#stack.pop();
    }
  }

  /**
   * A declaration of `schema` under `name`: an interface for a plain object (cheap for tsc, readable),
   * an alias otherwise (`export type UsersV1GetOutput = UserV1;`).
   */
  declaration(name: string, schema: z.ZodType, side: Side, doc?: string): string {
    const def = defOf(schema);
    const comment = docComment(doc);
    if (schemaId(schema) === undefined && def.type === 'object' && !hasCatchall(def) && !isBytesSchema(schema)) {
      this.#stack.push(schema);
      try {
        return `${comment}export interface ${name} ${this.#objectBody(def, side, name)}`;
      } finally {
        this.#stack.pop();
      }
    }
    return `${comment}export type ${name} = ${this.typeOf(schema, side, name)};`;
  }

  /**
   * Declarations of every named schema referenced so far (and those they reference), sorted by
   * name. Call after all `typeOf` calls for a file.
   */
  declarations(): NamedDeclaration[] {
    const done = new Map<string, NamedDeclaration>();
    for (;;) {
      const pending = [...this.#named.keys()].filter((name) => !done.has(name)).sort();
      if (pending.length === 0) break;
      for (const name of pending) {
        const { schema, side } = this.#named.get(name)!;
        this.#stack.push(schema);
        try {
          done.set(name, { name, text: this.#declare(name, schema, side) });
        } finally {
          this.#stack.pop();
        }
      }
    }
    return [...done.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #declare(name: string, schema: z.ZodType, side: Side): string {
    const doc = docComment(schemaDescription(schema));
    const def = defOf(schema);
    if (def.type === 'object' && !hasCatchall(def)) {
      return `${doc}export interface ${name} ${this.#objectBody(def, side, name)}`;
    }
    return `${doc}export type ${name} = ${this.#structural(schema, side, name).join(' | ')};`;
  }

  #structural(schema: z.ZodType, side: Side, path: string): string[] {
    if (isBytesSchema(schema)) return ['Uint8Array'];
    const def = defOf(schema);
    const members = (child: unknown, suffix = ''): string[] => this.#members(child as z.ZodType, side, path + suffix);
    const single = (child: unknown, suffix = ''): string => grouped(members(child, suffix));
    switch (def.type) {
      case 'string':
      case 'template_literal':
        return ['string'];
      case 'number':
      case 'int':
        return ['number'];
      case 'boolean':
      case 'success':
        return ['boolean'];
      case 'null':
        return ['null'];
      case 'undefined':
      case 'void':
        return ['undefined'];
      case 'any':
        return ['any'];
      case 'unknown':
        return ['unknown'];
      case 'never':
        return ['never'];
      case 'literal':
        return (def.values as unknown[]).map(literalText);
      case 'enum':
        return Object.values(def.entries as Record<string, string | number>).map(literalText);
      case 'object':
        return hasCatchall(def)
          ? [`${this.#objectBody(def, side, path)} & { [key: string]: ${members(def.catchall, '.*').join(' | ')} }`]
          : [this.#objectBody(def, side, path)];
      case 'array':
        return [arrayOf(members(def.element, '[]'))];
      case 'tuple': {
        const items = (def.items as z.ZodType[]).map((item, i) => {
          const text = this.#members(item, side, `${path}[${i}]`);
          return isOptionalOn(item, side) ? `${grouped(text)}?` : text.join(' | ');
        });
        if (def.rest) items.push(`...${arrayOf(members(def.rest, '[...]'))}`);
        return [`[${items.join(', ')}]`];
      }
      case 'union':
        return (def.options as z.ZodType[]).flatMap((o, i) => this.#members(o, side, `${path}|${i}`));
      case 'intersection':
        return [`${single(def.left, '&left')} & ${single(def.right, '&right')}`];
      case 'record': {
        const key = members(def.keyType, '{key}').join(' | ');
        const value = members(def.valueType, '{value}').join(' | ');
        return [key === 'string' ? `{ [key: string]: ${value} }` : `Record<${key}, ${value}>`];
      }
      case 'optional':
        return [...members(def.innerType), 'undefined'];
      case 'nullable':
        return [...members(def.innerType), 'null'];
      case 'default':
      case 'prefault':
        // The input side may omit the value (the key turns optional); the output side always has it.
        return side === 'output' ? members(def.innerType).filter((m) => m !== 'undefined') : members(def.innerType);
      case 'nonoptional':
        return members(def.innerType).filter((m) => m !== 'undefined');
      case 'catch':
        return side === 'input' ? ['unknown'] : members(def.innerType);
      case 'readonly':
        return [`Readonly<${members(def.innerType).join(' | ')}>`];
      case 'pipe':
        return side === 'input' ? members(def.in) : members(def.out);
      case 'transform':
        // A transform function's return type is known only to the compiler, not at run time.
        return ['unknown'];
      case 'lazy':
        return members((def.getter as () => z.ZodType)());
      default:
        return ['unknown'];
    }
  }

  #objectBody(def: Def, side: Side, path: string): string {
    const shape = def.shape as Record<string, z.ZodType>;
    const keys = Object.keys(shape);
    if (keys.length === 0) return '{}';
    const lines = keys.map((key) => {
      const field = shape[key];
      const optional = isOptionalOn(field, side);
      const type = this.#members(optional ? unwrapOptional(field) : field, side, `${path}.${key}`)
        .filter((m) => !optional || m !== 'undefined')
        .join(' | ');
      return `${docComment(schemaDescription(field), '  ')}  ${propertyKey(key)}${optional ? '?' : ''}: ${nested(type)};`;
    });
    return `{\n${lines.join('\n')}\n}`;
  }
}

function hasCatchall(def: Def): boolean {
  const catchall = def.catchall as z.ZodType | undefined;
  return catchall !== undefined && defOf(catchall).type !== 'never';
}

/** Whether an object key holding `schema` may be left out on `side` (zod's own optin/optout). */
export function isOptionalOn(schema: z.ZodType, side: Side): boolean {
  // bytes() is a preprocess pipe, which zod marks optional-in, yet a missing value fails its check.
  if (isBytesSchema(schema)) return false;
  return side === 'input' ? schema._zod.optin !== undefined : schema._zod.optout !== undefined;
}

/** `z.string().optional()` → `z.string()`: the `?` on the key already says "may be absent". */
function unwrapOptional(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (defOf(current).type === 'optional' && schemaId(current) === undefined) current = defOf(current).innerType as z.ZodType;
  return current;
}

function literalText(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  return JSON.stringify(value);
}

/** A multi-line type placed one level deeper (inside an object body). */
export function nested(text: string): string {
  return text.replace(/\n/g, '\n  ');
}

/** A union written where a single type is expected (an intersection operand, an optional tuple item). */
function grouped(members: string[]): string {
  return members.length > 1 ? `(${members.join(' | ')})` : members[0] ?? 'never';
}

function arrayOf(element: string[]): string {
  return element.length === 1 && /^[A-Za-z0-9_$.]+$/.test(element[0]) ? `${element[0]}[]` : `Array<${element.join(' | ')}>`;
}
