/**
 * Wire codecs shared by every transport. JSON for people and browsers (bytes as base64 strings,
 * which the contract's bytes() schema turns back into Uint8Array), MessagePack for speed and
 * binary payloads (bytes stay bytes). Browser-safe: msgpackr runs in browsers too.
 */
import { Packr } from 'msgpackr';
import { bytesToBase64 } from './base64.js';

export interface Codec {
  readonly name: 'json' | 'msgpack';
  readonly contentType: string;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON.stringify replacer: Uint8Array (and Buffer, whose toJSON runs first) become base64. */
function replaceBytes(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Uint8Array ? bytesToBase64(raw) : value;
}

/**
 * JSON text for a value, with Uint8Array fields as base64. A replacer function takes JSON.stringify
 * off V8's fast path (measured ~3x slower on small frames), so it is used only when the value
 * holds bytes somewhere: a walk that stops at the first Uint8Array costs far less than that.
 */
export function encodeJson(value: unknown): string {
  return (holdsBytes(value, 0) ? JSON.stringify(value, replaceBytes) : JSON.stringify(value)) ?? 'null';
}

function holdsBytes(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof Uint8Array) return true;
  // Past this depth, let the replacer path decide rather than walk on.
  if (depth > 32) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (holdsBytes(value[i], depth + 1)) return true;
    return false;
  }
  for (const key in value) if (holdsBytes((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

export const jsonCodec: Codec = {
  name: 'json',
  contentType: 'application/json',
  encode: (value) => encoder.encode(encodeJson(value)),
  decode: (bytes) => JSON.parse(decoder.decode(bytes)),
};

// Plain maps (no record extension) so any MessagePack implementation can read what we write.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export const msgpackCodec: Codec = {
  name: 'msgpack',
  contentType: 'application/msgpack',
  encode: (value) => packr.pack(value),
  decode: (bytes) => packr.unpack(bytes),
};

/** The codec a content type asks for; JSON unless it names MessagePack. */
export function codecFor(contentType: string | null | undefined): Codec {
  return contentType && /msgpack/i.test(contentType) ? msgpackCodec : jsonCodec;
}
