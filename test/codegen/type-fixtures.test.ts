/**
 * The generated types at work: fixtures/client-usage.ts must compile, and every `// @expect-error
 * TSxxxx` marker in fixtures/*.bad.ts must be matched by exactly that error on the next line, with
 * no other errors (so each bad fixture fails for the reason it claims).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, formatErrors } from './compile.js';

const FIXTURES = 'test/codegen/fixtures';
const bad = readdirSync(`${import.meta.dirname}/fixtures`).filter((f) => f.endsWith('.bad.ts')).sort();

function expectedErrors(file: string): string[] {
  const lines = readFileSync(`${import.meta.dirname}/fixtures/${file}`, 'utf8').split('\n');
  return lines.flatMap((line, i) => {
    const marker = /\/\/ @expect-error (TS\d+)/.exec(line);
    return marker ? [`${FIXTURES}/${file}:${i + 2} ${marker[1]}`] : [];
  });
}

describe('generated types (tsc on fixtures)', () => {
  const errors = compile([`${FIXTURES}/client-usage.ts`, ...bad.map((f) => `${FIXTURES}/${f}`)]);

  it('compiles the usage fixture (client calls, narrowing of error.data, handlers) without errors', () => {
    const outside = errors.filter((e) => !e.file.endsWith('.bad.ts'));
    expect(formatErrors(outside)).toBe('');
  });

  it.each(bad)('%s fails with exactly the marked errors', (file) => {
    const expected = expectedErrors(file);
    expect(expected.length).toBeGreaterThan(0);
    const actual = [...new Set(errors.filter((e) => e.file === `${FIXTURES}/${file}`).map((e) => `${e.file}:${e.line} ${e.code}`))];
    expect(actual.sort()).toEqual(expected.sort());
  });
});
