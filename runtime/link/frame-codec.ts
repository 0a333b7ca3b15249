/**
 * Encoding frames into messages and back. A message holds one frame or a batch (an array of
 * frames, handled in order). Text messages are JSON, binary ones MessagePack, whatever codec was
 * agreed: a person may type JSON at a connection that agreed on MessagePack. Browser-safe.
 */
import { encodeJson, msgpackCodec } from '../core/codecs.js';
import { AccordError } from '../core/errors.js';
import type { CodecName, Frame } from './frames.js';

/** One encoded message: a string for JSON (a text message), bytes for MessagePack (a binary one). */
export type EncodedFrame = string | Uint8Array;

export function protocolError(message: string, data?: unknown): AccordError {
  return new AccordError('PROTOCOL_ERROR', message, data);
}

export function encodeFrame(codec: CodecName, frame: Frame): EncodedFrame {
  return codec === 'json' ? encodeJson(frame) : msgpackCodec.encode(frame);
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * A cheap upper bound of a part's wire size (UTF-8 takes at most 3 bytes per UTF-16 unit). Limits
 * are checked against it first; the exact size is counted only for parts that come close.
 */
export function sizeBound(part: EncodedFrame): number {
  return typeof part === 'string' ? part.length * 3 : part.byteLength;
}

/** About the bytes a part takes on the wire (exact for ASCII text and bytes), for buffer accounting. */
export function sizeEstimate(part: EncodedFrame): number {
  return typeof part === 'string' ? part.length : part.byteLength;
}

/** Bytes a part takes on the wire (UTF-8 for JSON text), for frame-size limits. */
export function encodedSize(part: EncodedFrame): number {
  if (typeof part !== 'string') return part.byteLength;
  if (!NON_ASCII.test(part)) return part.length;
  let bytes = part.length;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 UTF-16 units
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Joins separately encoded frames into one message holding an array of them (one part: as is). */
export function joinBatch(codec: CodecName, parts: EncodedFrame[]): EncodedFrame {
  if (parts.length === 1) return parts[0]!;
  if (codec === 'json') return `[${(parts as string[]).join(',')}]`;
  // A MessagePack array is its header followed by its elements' encodings, so concatenation works.
  const n = parts.length;
  const header = n < 16 ? [0x90 | n] : n < 0x10000 ? [0xdc, n >> 8, n & 0xff] : [0xdd, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  let size = header.length;
  for (const part of parts as Uint8Array[]) size += part.byteLength;
  const out = new Uint8Array(size);
  out.set(header, 0);
  let offset = header.length;
  for (const part of parts as Uint8Array[]) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

const textDecoder = new TextDecoder();

/**
 * Decodes one message: text is JSON, binary is MessagePack. Returns the frames it holds (one, or
 * a batch), not yet validated. Throws PROTOCOL_ERROR when it does not decode.
 */
export function decodeMessage(data: string | Uint8Array | ArrayBuffer, binary: boolean): unknown[] {
  let value: unknown;
  if (!binary) {
    const text = typeof data === 'string' ? data : textDecoder.decode(data);
    try {
      value = JSON.parse(text);
    } catch {
      throw protocolError('a text message is not valid JSON');
    }
  } else {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : typeof data === 'string' ? new TextEncoder().encode(data) : data;
    try {
      value = msgpackCodec.decode(bytes);
    } catch {
      throw protocolError('a binary message is not valid MessagePack');
    }
  }
  if (Array.isArray(value)) {
    if (value.length === 0) throw protocolError('an empty batch');
    return value;
  }
  return [value];
}
