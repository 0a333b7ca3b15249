/**
 * The TanStack Query integration's types, checked by real compiler runs (the repository's tsc
 * options): fixtures/query-usage.ts must compile, and its `Expect<Equal<...>>` lines pin the input,
 * output and error types as React's useQuery/useMutation and the core's QueryClient see them;
 * in fixtures/wrong-query-input.bad.ts each `// @expect-error TSxxxx` must be matched by exactly
 * that error on the next line, and by nothing else.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, formatErrors } from '../codegen/compile.js';

const USAGE = 'test/frontend/fixtures/query-usage.ts';
const BAD = 'test/frontend/fixtures/wrong-query-input.bad.ts';

/** `file:line code` of every marked error: the marker names the code of the line below it. */
function markedErrors(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\/\/ @expect-error (TS\d+)/g)].map((marker) => `${file}:${text.slice(0, marker.index).split('\n').length + 1} ${marker[1]}`);
}

describe('query and mutation option types (tsc)', () => {
  const errors = compile([USAGE, BAD]);

  it('compiles the usage fixture: inputs, outputs, AccordError errors and isError narrowing through useQuery, useMutation and QueryClient', () => {
    expect(formatErrors(errors.filter((e) => e.file === USAGE))).toBe('');
  });

  it('wrong inputs, variables, methods and error codes are exactly the marked compile errors', () => {
    const expected = markedErrors(BAD);
    expect(expected.length).toBeGreaterThan(5);
    expect([...new Set(errors.map((e) => `${e.file}:${e.line} ${e.code}`))].sort()).toEqual(expected.sort());
  });
});
