/**
 * The MessagePack codec (msgpackr): faster than JSON and bytes stay bytes. It is ~27 KB of
 * minified code, so browser code loads it only when a caller chooses it (`accord-rpc/msgpack`);
 * the servers always have it (core/codecs.ts).
 */
import { Packr } from 'msgpackr';
import type { Codec } from './json-codec.js';

// Plain maps (no record extension) so any MessagePack implementation can read what we write.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export const msgpackCodec: Codec = {
  name: 'msgpack',
  contentType: 'application/msgpack',
  encode: (value) => packr.pack(value),
  decode: (bytes) => packr.unpack(bytes),
  join: joinArray,
};

/** A MessagePack array is its header followed by its elements' encodings, so concatenation works. */
function joinArray(parts: Uint8Array[]): Uint8Array {
  const n = parts.length;
  const header = n < 16 ? [0x90 | n] : n < 0x10000 ? [0xdc, n >> 8, n & 0xff] : [0xdd, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  let size = header.length;
  for (const part of parts) size += part.byteLength;
  const out = new Uint8Array(size);
  out.set(header, 0);
  let offset = header.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
