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

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, replaceBytes) ?? 'null';
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
