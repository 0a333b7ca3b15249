/**
 * Which codecs this process (or page) has loaded. JSON always; MessagePack once something
 * registers it: `import 'accord-rpc/msgpack'` in a browser, core/codecs.ts on servers. Client
 * transports and the session layer look MessagePack up here instead of importing msgpackr, so a
 * page that never chooses it never ships it. Browser-safe.
 */
import { AccordError } from './errors.js';
import { jsonCodec, type Codec } from './json-codec.js';

export type CodecName = Codec['name'];

let msgpack: Codec | undefined;
let msgpackStreams: (() => FrameSplitter) | undefined;

/** Cuts a byte stream into messages (length-prefixed framing, runtime/link/length-prefix.ts). */
export interface FrameSplitter {
  push(chunk: Uint8Array): Uint8Array[];
}

/** Makes a codec available by name (registering MessagePack twice keeps the first). */
export function registerCodec(codec: Codec): void {
  if (codec.name === 'msgpack') msgpack ??= codec;
}

/**
 * Makes MessagePack streams readable (HTTP's length-prefixed MessagePack stream responses): given
 * with the codec by `accord-rpc/msgpack` and the Node entries, so JSON-only pages ship no framing.
 */
export function registerMsgpackStreams(splitter: () => FrameSplitter): void {
  msgpackStreams ??= splitter;
}

/** A reader of a MessagePack stream response, or PROTOCOL_ERROR naming what to import. */
export function msgpackStreamSplitter(): FrameSplitter {
  if (!msgpackStreams) throw new AccordError('PROTOCOL_ERROR', "MessagePack streams are not loaded: import 'accord-rpc/msgpack'");
  return msgpackStreams();
}

/**
 * The registered MessagePack codec. When there is none, `code` is the error: INVALID_ARGUMENT for
 * a client option that asks for it, PROTOCOL_ERROR for a message nobody here can read.
 */
export function loadedMsgpack(code: 'INVALID_ARGUMENT' | 'PROTOCOL_ERROR' = 'INVALID_ARGUMENT'): Codec {
  if (!msgpack) throw new AccordError(code, "MessagePack is not loaded: import 'accord-rpc/msgpack'");
  return msgpack;
}

/** A client's `codec` option as a name (JSON by default); a codec object is registered for the session layer. */
export function selectCodecName(option: CodecName | Codec | undefined): CodecName {
  if (typeof option === 'object') registerCodec(option);
  else if (option === 'msgpack') loadedMsgpack();
  return typeof option === 'object' ? option.name : option ?? 'json';
}

/** A client's `codec` option as the codec itself. */
export function selectCodec(option: CodecName | Codec | undefined): Codec {
  if (typeof option === 'object') registerCodec(option);
  return typeof option === 'object' ? option : option === 'msgpack' ? loadedMsgpack() : jsonCodec;
}

/** The codec a content type names (MessagePack only when registered); JSON when it names none. */
export function codecOfContentType(contentType: string | null | undefined, code: 'INVALID_ARGUMENT' | 'PROTOCOL_ERROR' = 'PROTOCOL_ERROR'): Codec {
  return contentType && /msgpack/i.test(contentType) ? loadedMsgpack(code) : jsonCodec;
}
