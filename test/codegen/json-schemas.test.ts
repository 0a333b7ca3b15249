/**
 * generated/schemas/*.json validate real payloads with ajv (JSON Schema 2020-12 + formats) and
 * reject bad ones: input as the caller writes it, output as the caller receives it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ROOT } from './compile.js';

const dir = join(ROOT, 'generated', 'schemas');
// Both are CommonJS modules whose ESM default is the whole module object.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validator = (name: string) => ajv.compile(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')));

const user = { id: 'u1', givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.com', createdAt: '2024-05-01T10:00:00Z' };

const cases: Array<[schema: string, valid: unknown[], invalid: unknown[]]> = [
  ['math.v1.add.input', [{ a: 1, b: 2.5 }], [{ a: '1', b: 2 }, { a: 1 }]],
  ['math.v1.fib.input', [{ n: 0 }, { n: 45 }], [{ n: 46 }, { n: 1.5 }, { n: -1 }]],
  ['math.v1.divide.output', [{ quotient: 0.5 }], [{ quotient: 'half' }, {}]],
  ['users.v2.get.output', [user], [{ ...user, email: 'not-an-email' }, { ...user, createdAt: 'yesterday' }, { ...user, extra: 1 }]],
  ['users.v2.list.input', [{}, { limit: 50, cursor: 'c', nameContains: 'ada' }], [{ limit: 0 }, { limit: 101 }]],
  ['users.v2.list.output', [{ items: [user] }, { items: [], nextCursor: 'n' }], [{ items: [{ id: 'u1' }] }, {}]],
  ['files.v1.upload.input', [{ name: 'a.txt', content: 'aGVsbG8=' }], [{ name: 'a.txt' }, { name: '', content: 'aGVsbG8=' }]],
  ['ticker.v1.watch.output', [{ symbol: 'ACME', seq: 1, price: 9.5, at: '2024-05-01T10:00:00Z' }], [{ symbol: 'ACME', seq: 1.5, price: 9.5, at: '2024-05-01T10:00:00Z' }]],
  ['ticker.v1.watch.input', [{ symbol: 'ACME' }], [{ symbol: 'acme' }, { symbol: 'TOOLONG' }]],
];

describe('generated/schemas', () => {
  it('has an input and an output schema for every method, each marked as generated', () => {
    const files = readdirSync(dir);
    expect(files).toContain('users.v1.get.input.json');
    expect(files).toContain('users.v2.update.output.json');
    expect(files.length % 2).toBe(0);
    for (const f of files) {
      const schema = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$comment).toMatch(/npm run gen/);
    }
  });

  it.each(cases)('%s accepts valid payloads and rejects invalid ones', (name, valid, invalid) => {
    const validate = validator(name);
    for (const payload of valid) expect(validate(payload), `${JSON.stringify(payload)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    for (const payload of invalid) expect(validate(payload), JSON.stringify(payload)).toBe(false);
  });

  it('describes bytes() as a base64 string', () => {
    const schema = JSON.parse(readFileSync(join(dir, 'files.v1.download.output.json'), 'utf8'));
    expect(schema.properties.chunk).toEqual({ type: 'string', contentEncoding: 'base64' });
  });
});
