/**
 * Binary data in contracts. On binary codecs (MessagePack) a Uint8Array travels as raw bytes;
 * over JSON it travels as a base64 string, which this schema turns back into a Uint8Array.
 */
import { z } from 'zod';
import { base64ToBytes } from '../core/base64.js';

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** Over JSON a bytes field arrives as base64: decode it before the Uint8Array check. */
function base64ToBytesIfString(value: unknown): unknown {
  return typeof value === 'string' ? base64ToBytes(value) ?? value : value;
}

/** A binary field: `Uint8Array` in TypeScript, bytes in MessagePack, base64 in JSON. */
export function bytes(): z.ZodType<Uint8Array, Uint8Array> {
  return z.preprocess(
    base64ToBytesIfString,
    z.custom<Uint8Array>(isBytes, { message: 'expected bytes (a Uint8Array, or a base64 string over JSON)' }),
  ) as unknown as z.ZodType<Uint8Array, Uint8Array>;
}

/** True for the schema `bytes()` returns, and for the inner custom check (also after `.describe()`/`.meta()`). */
export function isBytesSchema(schema: z.ZodType): boolean {
  const def = schema._zod.def as { type: string; fn?: unknown; in?: z.ZodType; transform?: unknown };
  if (def.type === 'custom') return def.fn === isBytes;
  if (def.type === 'pipe' && def.in) {
    const inner = def.in._zod.def as { type: string; transform?: unknown };
    return inner.type === 'transform' && inner.transform === base64ToBytesIfString;
  }
  return false;
}
