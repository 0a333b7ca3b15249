/**
 * The JSON codec and the `Codec` shape every codec has. JSON is the default everywhere and always
 * loaded; bytes travel as base64 strings, which clients turn back into Uint8Array where the
 * contract declares bytes(). Browser-safe and dependency-free: a JSON-only page ships only this.
 */
import { bytesToBase64 } from './base64.js';

export interface Codec {
  readonly name: 'json' | 'msgpack';
  readonly contentType: string;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
  /** Binary codecs: values encoded one by one joined into the encoding of an array of them, without decoding (frame batches). */
  join?(parts: Uint8Array[]): Uint8Array;
}

// Pure: a bundle that only needs encodeJson (the session layer) drops them with jsonCodec.
const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder();

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
