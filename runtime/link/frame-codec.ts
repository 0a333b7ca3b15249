/**
 * Encoding frames into messages and back. A message holds one frame or a batch (an array of
 * frames, handled in order). Text messages are JSON, binary ones MessagePack, whatever codec was
 * agreed: a person may type JSON at a connection that agreed on MessagePack. Browser-safe.
 *
 * MessagePack comes from the codec registry, never from an import here: a browser page that
 * speaks JSON ships no msgpackr. Servers always have it (core/codecs.ts registers it); a page
 * that wants binary frames imports `accord-rpc/msgpack`, and without it a binary frame is a
 * PROTOCOL_ERROR that says so.
 */
import { loadedMsgpack } from '../core/codec-registry.js';
import { AccordError } from '../core/errors.js';
import { encodeJson } from '../core/json-codec.js';
import type { CodecName, Frame } from './frames.js';

/** One encoded message: a string for JSON (a text message), bytes for MessagePack (a binary one). */
export type EncodedFrame = string | Uint8Array;

export function protocolError(message: string, data?: unknown): AccordError {
  return new AccordError('PROTOCOL_ERROR', message, data);
}

export function encodeFrame(codec: CodecName, frame: Frame): EncodedFrame {
  return codec === 'json' ? encodeJson(frame) : loadedMsgpack('PROTOCOL_ERROR').encode(frame);
}

const NON_ASCII = /[^\x00-\x7f]/;
const textDecoder = /* @__PURE__ */ new TextDecoder();
const textEncoder = /* @__PURE__ */ new TextEncoder();

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

/**
 * Bytes a part takes on the wire (UTF-8 for JSON text), for frame-size limits. Only parts near a
 * limit are measured (see sizeBound); non-ASCII text is measured by encoding it, which V8 does
 * faster than a loop over its characters, in less code for browser bundles.
 */
export function encodedSize(part: EncodedFrame): number {
  return typeof part !== 'string' ? part.byteLength : NON_ASCII.test(part) ? textEncoder.encode(part).byteLength : part.length;
}

/** Joins separately encoded frames into one message holding an array of them (one part: as is). */
export function joinBatch(codec: CodecName, parts: EncodedFrame[]): EncodedFrame {
  if (parts.length === 1) return parts[0]!;
  if (codec === 'json') return `[${(parts as string[]).join(',')}]`;
  const msgpack = loadedMsgpack('PROTOCOL_ERROR');
  const binary = parts as Uint8Array[];
  return msgpack.join ? msgpack.join(binary) : msgpack.encode(binary.map((part) => msgpack.decode(part)));
}

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
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : typeof data === 'string' ? textEncoder.encode(data) : data;
    const msgpack = loadedMsgpack('PROTOCOL_ERROR');
    try {
      value = msgpack.decode(bytes);
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
