/**
 * fast-check arbitraries for hostile decoded values and text: keys that reach prototypes
 * (`__proto__`, `constructor`, `prototype`), numbers at and past every limit, strings with lone
 * surrogates and control characters, wrong types where a field wants another, and nesting deep
 * enough to overflow any recursive walk (built as text, so generating it never recurses).
 */
import fc from 'fast-check';

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PROTO_KEYS, 'toString', 'hasOwnProperty', 'valueOf', '', 'id', 'a', 'b', 'n', 'type', 'input', 'data', 'content', 'limit'),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

const LONE_SURROGATES = ['\ud800', '\udfff', 'a\ud800b', '\udc00\ud800'];

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom(...LONE_SURROGATES, '', '\u0000', '\r\n', '%', '%zz', '%E0%A4%A', '..', '../..', '\ufeff', '{', '"', '\\'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 16 }),
  fc.integer({ min: 1_000, max: 70_000 }).map((n) => 'x'.repeat(n)),
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 45, 46, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 2 ** 53 + 2, 1e308, -1e308, Number.MIN_VALUE, Number.NaN, Infinity, -Infinity),
  fc.integer(),
  fc.double(),
);

/** Any hostile scalar. */
export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(hostileNumber, hostileText, fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 16 }));

/** Nested hostile values: objects with hostile keys, arrays, scalars; a few levels deep. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** An object whose keys are mostly the ones a method expects, with hostile values and extra keys. */
export function hostileObject(fields: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const key = fields.length > 0 ? fc.oneof(fc.constantFrom(...fields), hostileKey) : hostileKey;
  return fc.dictionary(key, fc.oneof(hostileScalar, hostileValue), { maxKeys: 5 });
}

export const NESTING_DEPTHS = [64, 1_000, 10_000, 100_000] as const;

/**
 * JSON text nested `depth` levels deep (text, so building it never recurses): arrays, objects, a
 * `__proto__` key at every level, or a `"__proto__"` string beside deep arrays (which makes a server
 * that scans for prototype keys walk the whole depth).
 */
export const deepJsonText: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(...NESTING_DEPTHS, 30_000), fc.constantFrom('array', 'object', 'proto', 'proto-beside')).map(([depth, shape]) => {
  if (shape === 'array') return '['.repeat(depth) + ']'.repeat(depth);
  if (shape === 'proto-beside') return `{"b":"__proto__","a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const key = shape === 'proto' ? '__proto__' : 'a';
  return `{"${key}":`.repeat(depth) + '1' + '}'.repeat(depth);
});

/** Valid JSON text of a hostile value (`JSON.stringify` keeps own `__proto__` keys as keys). */
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
  deepJsonText,
);

/** Text that is not JSON: cut JSON, stray bytes, other formats. */
export const brokenJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(hostileJsonText, fc.nat()).map(([text, cut]) => text.slice(0, text.length === 0 ? 0 : cut % text.length)),
  fc.constantFrom('{', '{"a":', '[1,2', '{"a":1,}', 'nul', 'undefined', 'NaN', '{a:1}', "{'a':1}", '\ufeff{}', '1e99999', '-', '"\\ud800"'),
  fc.string({ unit: 'binary', maxLength: 32 }),
);
