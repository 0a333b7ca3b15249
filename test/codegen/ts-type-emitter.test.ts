/**
 * The zod → TypeScript emitter, checked against zod itself: for every schema in
 * fixtures/emitter-schemas.ts the emitted input and output types must be mutually assignable with
 * `z.input<>` / `z.output<>` of the same schema (tsc decides, in one program).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TypeEmitter } from '../../codegen/ts-type-emitter.js';
import { schemas, transformed, unnamedRecursive } from './fixtures/emitter-schemas.js';
import { ROOT, compile, formatErrors } from './compile.js';

const dir = join(ROOT, '.tmp', `emitter-${process.pid}`);
afterAll(() => { if (!process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true }); });

function checkFile(): string {
  const emitter = new TypeEmitter();
  const lines = [
    `import type { z } from 'zod';`,
    `import type { schemas } from '../../test/codegen/fixtures/emitter-schemas.js';`,
    `type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;`,
    `function same<T extends true>(): T | undefined { return undefined; }`,
  ];
  for (const [name, schema] of Object.entries(schemas)) {
    for (const side of ['input', 'output'] as const) {
      const alias = `${name}_${side}`;
      lines.push(`type ${alias} = ${emitter.typeOf(schema, side, name)};`);
      lines.push(`same<Same<${alias}, z.${side}<typeof schemas.${name}>>>();`);
    }
  }
  lines.push(...emitter.declarations().map((d) => d.text));
  return lines.join('\n') + '\n';
}

describe('TypeEmitter', () => {
  it('emits, for every supported zod construct, the types zod infers (input and output side)', () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'emitted-vs-zod.ts');
    writeFileSync(file, checkFile());
    const errors = compile([file]);
    expect(formatErrors(errors)).toBe('');
  });

  it('makes defaulted fields optional for the caller and required for the handler', () => {
    const emitter = new TypeEmitter();
    expect(emitter.typeOf(schemas.defaults, 'input')).toContain('page?: number;');
    expect(emitter.typeOf(schemas.defaults, 'output')).toContain('page: number;');
  });

  it('declares named schemas once, by reference, and recursive ones through their name', () => {
    const emitter = new TypeEmitter();
    expect(emitter.typeOf(schemas.recursive, 'output')).toContain('root: EmitterTreeNode;');
    const [decl] = emitter.declarations();
    expect(decl.name).toBe('EmitterTreeNode');
    expect(decl.text).toContain('children: EmitterTreeNode[];');
  });

  it('renders bytes() as a required Uint8Array', () => {
    const emitter = new TypeEmitter();
    expect(emitter.typeOf(schemas.bytes, 'input')).toContain('data: Uint8Array;');
    expect(emitter.typeOf(schemas.bytes, 'input')).toContain('maybe?: Uint8Array;');
  });

  it("types a bare transform's result as unknown (only the compiler knows it) and its input as the source type", () => {
    const emitter = new TypeEmitter();
    expect(emitter.typeOf(transformed.transform, 'output')).toContain('len: unknown;');
    expect(emitter.typeOf(transformed.transform, 'input')).toContain('len: string;');
  });

  it('gives coerced fields their base type on the input side', () => {
    expect(new TypeEmitter().typeOf(transformed.coerce, 'input')).toBe('{\n  n: number;\n  b: boolean;\n}');
  });

  it('keeps a description inside its comment even when it contains */', () => {
    const text = new TypeEmitter().declaration('Commented', z.object({ a: z.string().describe('ends */ early') }), 'input');
    expect(text).toContain('/** ends *\\/ early */');
  });

  it('refuses an unnamed recursive schema, naming the path', () => {
    expect(() => new TypeEmitter().typeOf(unnamedRecursive, 'input', 'input')).toThrow(/input\.self\[\] is recursive.*\.meta\(\{ id/);
  });
});
