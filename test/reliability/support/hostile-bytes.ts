/**
 * fast-check arbitraries for hostile encoded bytes: MessagePack headers that claim gigabytes
 * (str32, bin32, array32, map32, ext32 and their 8/16-bit siblings), alone or inside an otherwise
 * valid map; encodings cut short; invalid UTF-8 (stray continuation bytes, overlong forms, encoded
 * surrogates); extension types msgpackr gives meaning to; nesting past any recursion limit; and
 * plain random bytes.
 */
import fc from 'fast-check';
import { msgpackCodec } from 'accord-rpc/core';
import { hostileValue, NESTING_DEPTHS } from './hostile-values.js';

/** Header byte and how many bytes its length takes. */
const LENGTH_HEADERS: ReadonlyArray<readonly [name: string, byte: number, lengthBytes: 1 | 2 | 4, ext: boolean]> = [
  ['str8', 0xd9, 1, false], ['str16', 0xda, 2, false], ['str32', 0xdb, 4, false],
  ['bin8', 0xc4, 1, false], ['bin16', 0xc5, 2, false], ['bin32', 0xc6, 4, false],
  ['array16', 0xdc, 2, false], ['array32', 0xdd, 4, false],
  ['map16', 0xde, 2, false], ['map32', 0xdf, 4, false],
  ['ext8', 0xc7, 1, true], ['ext16', 0xc8, 2, true], ['ext32', 0xc9, 4, true],
];

const CLAIMS = [0xffffffff, 0x80000000, 0x7fffffff, 0x40000000, 0x10000000, 0x01000000, 0x10001, 0xffff, 0xff];

/** Extension types msgpackr decodes specially (timestamps, errors, references, records, typed arrays, sets, regexps, bundles). */
export const MSGPACK_EXTENSIONS = [-1, 0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0x00, 0x7f, -128];

function lengthBytes(claim: number, size: 1 | 2 | 4): number[] {
  const masked = size === 4 ? claim >>> 0 : claim & (size === 2 ? 0xffff : 0xff);
  return size === 1 ? [masked] : size === 2 ? [masked >> 8, masked & 0xff] : [masked >>> 24, (masked >> 16) & 0xff, (masked >> 8) & 0xff, masked & 0xff];
}

/** A single value header claiming far more than follows. */
export const lengthBomb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.constantFrom(...LENGTH_HEADERS),
  fc.oneof(fc.constantFrom(...CLAIMS), fc.nat()),
  fc.constantFrom(...MSGPACK_EXTENSIONS),
  fc.uint8Array({ maxLength: 16 }),
).map(([[, byte, size, ext], claim, type, tail]) => Uint8Array.from([byte, ...lengthBytes(claim, size), ...(ext ? [type & 0xff] : []), ...tail]));

/** An extension value of a type msgpackr interprets, with arbitrary (often wrong) contents. */
export const extensionValue: fc.Arbitrary<Uint8Array> = fc.tuple(fc.constantFrom(...MSGPACK_EXTENSIONS), fc.uint8Array({ maxLength: 40 })).map(([type, data]) => {
  const fixed = ({ 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 } as Record<number, number>)[data.length];
  return Uint8Array.from(fixed !== undefined ? [fixed, type & 0xff, ...data] : [0xc7, data.length, type & 0xff, ...data]);
});

/** UTF-8 that is not: as the bytes of a MessagePack string, or raw inside text. */
export const INVALID_UTF8: readonly number[][] = [[0xff], [0xfe, 0xff], [0x80], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc3], [0xe2, 0x82]];

export const invalidUtf8: fc.Arbitrary<Uint8Array> = fc.tuple(fc.constantFrom(...INVALID_UTF8), fc.uint8Array({ maxLength: 4 })).map(([bad, rest]) => Uint8Array.from([...bad, ...rest]));

/** A MessagePack string (fixstr/str8) holding invalid UTF-8. */
export const invalidUtf8String: fc.Arbitrary<Uint8Array> = invalidUtf8.map((bytes) => Uint8Array.from(bytes.length < 32 ? [0xa0 | bytes.length, ...bytes] : [0xd9, bytes.length, ...bytes]));

/** MessagePack nested `depth` levels (arrays of one, or maps of one key), built as bytes. */
export const deepMsgpack: fc.Arbitrary<Uint8Array> = fc.tuple(fc.constantFrom(...NESTING_DEPTHS), fc.boolean()).map(([depth, maps]) => {
  const level = maps ? [0x81, 0xa1, 0x61] : [0x91];
  const out = new Uint8Array(depth * level.length + 1);
  for (let i = 0; i < depth; i++) out.set(level, i * level.length);
  out[out.length - 1] = 0xc0;
  return out;
});

/** A raw hostile MessagePack value (not necessarily decodable). */
export const hostileMsgpackValue: fc.Arbitrary<Uint8Array> = fc.oneof(
  lengthBomb,
  extensionValue,
  invalidUtf8String,
  deepMsgpack,
  hostileValue.map((v) => msgpackCodec.encode(v)),
  fc.constant(Uint8Array.of(0xc1)),
);

/** The MessagePack encoding of a map of `fields`, then one more key whose value is `raw` bytes as they are. */
export function mapWithRawValue(fields: Record<string, unknown>, key: string, raw: Uint8Array): Uint8Array {
  const entries = Object.entries(fields);
  const count = entries.length + 1;
  const parts: Uint8Array[] = [Uint8Array.from(count < 16 ? [0x80 | count] : [0xde, count >> 8, count & 0xff])];
  for (const [k, v] of entries) parts.push(msgpackCodec.encode(k), msgpackCodec.encode(v));
  parts.push(msgpackCodec.encode(key), raw);
  return Buffer.concat(parts);
}

/** A cut-short copy: the first `cut mod length` bytes. */
export function truncated(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(bytes, fc.nat()).map(([b, cut]) => b.subarray(0, b.length === 0 ? 0 : cut % b.length));
}

export const randomBytes: fc.Arbitrary<Uint8Array> = fc.uint8Array({ minLength: 1, maxLength: 64 });

/** `size` bytes of filler: an oversize payload (a JSON string, so it is at least well-formed at the start). */
export function filler(size: number): Uint8Array {
  const out = Buffer.alloc(size, 0x61);
  out[0] = 0x22;
  return out;
}
