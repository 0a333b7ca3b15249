/**
 * Binary data in contracts. On binary codecs (MessagePack) a Uint8Array travels as raw bytes;
 * over JSON it travels as a base64 string, which this schema turns back into a Uint8Array.
 */
import { z } from 'zod';

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function base64ToBytes(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return value;
  const binary = atob(value);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** A binary field: `Uint8Array` in TypeScript, bytes in MessagePack, base64 in JSON. */
export function bytes(): z.ZodType<Uint8Array, Uint8Array> {
  return z.preprocess(
    base64ToBytes,
    z.custom<Uint8Array>(isBytes, { message: 'expected bytes (a Uint8Array, or a base64 string over JSON)' }),
  ) as unknown as z.ZodType<Uint8Array, Uint8Array>;
}

/** True for the schema `bytes()` returns, and for the inner custom check (also after `.describe()`/`.meta()`). */
export function isBytesSchema(schema: z.ZodType): boolean {
  const def = schema._zod.def as { type: string; fn?: unknown; in?: z.ZodType; transform?: unknown };
  if (def.type === 'custom') return def.fn === isBytes;
  if (def.type === 'pipe' && def.in) {
    const inner = def.in._zod.def as { type: string; transform?: unknown };
    return inner.type === 'transform' && inner.transform === base64ToBytes;
  }
  return false;
}
