/**
 * The Accord WebSocket frame protocol, version 1 (docs/ws-protocol.md). Frame types, encoding and
 * validation, shared by the server and the browser/Node client. Text WebSocket messages carry
 * JSON, binary ones MessagePack; a message holds one frame object or an array of frames (a batch,
 * handled in order). Browser-safe: no Node imports.
 */
import { encodeJson, msgpackCodec } from '../../core/codecs.js';
import { AccordError, type WireError } from '../../core/errors.js';

export const PROTOCOL_VERSION = 1;
export const SUPPORTED_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

export type CodecName = 'json' | 'msgpack';

/** WebSocket close codes the protocol uses. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  tryAgainLater: 1013,
  // Browsers let a page close only with 1000 or 3000-4999, so the client's own codes are 4xxx.
  /** Client side: the server stopped answering heartbeats. */
  heartbeatTimeout: 4000,
  /** Client side: the server sent something this client cannot read. */
  clientProtocolError: 4002,
} as const;

// Client → server
export interface HelloFrame { type: 'hello'; version: number; codec: CodecName; metadata?: Record<string, string> }
export interface CallFrame {
  type: 'call';
  id: number;
  service: string;
  version?: number;
  method: string;
  input?: unknown;
  /** Remaining time in ms (a relative timeout: clocks differ between machines). */
  timeout?: number;
  metadata?: Record<string, string>;
  traceparent?: string;
  hops?: number;
  /** A server stream: items come as `item` frames while the client grants credit. */
  stream?: boolean;
  /** Initial credit of a stream (items the server may send before more is granted). */
  credit?: number;
}
export interface CancelFrame { type: 'cancel'; id: number }
export interface CreditFrame { type: 'credit'; id: number; credit: number }
export interface SubscribeFrame { type: 'subscribe'; id: number; service: string; version?: number; event: string }
export interface UnsubscribeFrame { type: 'unsubscribe'; id: number }
export interface PingFrame { type: 'ping'; data?: unknown }
export interface PongFrame { type: 'pong'; data?: unknown }

// Server → client
export interface WelcomeFrame {
  type: 'welcome';
  version: number;
  codec: CodecName;
  limits: { maxFrameBytes: number; maxInFlight: number; maxStreamCredit: number; heartbeatIntervalMs: number };
}
export interface ResultFrame { type: 'result'; id: number; output: unknown }
/** A call's or subscription's error (with `id`), or the connection's (without; a close follows). */
export interface ErrorFrame { type: 'error'; id?: number; error: WireError }
export interface ItemFrame { type: 'item'; id: number; output: unknown }
export interface EndFrame { type: 'end'; id: number }
export interface SubscribedFrame { type: 'subscribed'; id: number; service: string; version: number; event: string }
export interface EventFrame { type: 'event'; id: number; data: unknown }
/** The server is stopping: finish what is in flight, send new calls over a new connection. */
export interface GoAwayFrame { type: 'goaway'; reason?: string }

export type ClientFrame = HelloFrame | CallFrame | CancelFrame | CreditFrame | SubscribeFrame | UnsubscribeFrame | PingFrame | PongFrame;
export type ServerFrame = WelcomeFrame | ResultFrame | ErrorFrame | ItemFrame | EndFrame | SubscribedFrame | EventFrame | GoAwayFrame | PingFrame | PongFrame;

export function protocolError(message: string, data?: unknown): AccordError {
  return new AccordError('PROTOCOL_ERROR', message, data);
}

// ---------------------------------------------------------------- encoding

/** One encoded frame: a string for JSON (a text message), bytes for MessagePack (a binary one). */
export type EncodedFrame = string | Uint8Array;

export function encodeFrame(codec: CodecName, frame: ClientFrame | ServerFrame): EncodedFrame {
  return codec === 'json' ? encodeJson(frame) : msgpackCodec.encode(frame);
}

const NON_ASCII = /[^\x00-\x7f]/;

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
 * Decodes one WebSocket message: text is JSON, binary is MessagePack, whatever codec was agreed.
 * Returns the frames it holds (one, or a batch). Throws PROTOCOL_ERROR when it does not decode.
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

// ---------------------------------------------------------------- validation

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isStringMap(value: unknown): value is Record<string, string> {
  if (!isObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

function fail(frame: Obj, problem: string): never {
  throw protocolError(`malformed '${String(frame.type)}' frame: ${problem}`);
}

function optional(frame: Obj, key: string, check: (v: unknown) => boolean, what: string): void {
  if (frame[key] !== undefined && frame[key] !== null && !check(frame[key])) fail(frame, `${key} must be ${what}`);
}

const isString = (v: unknown) => typeof v === 'string';
const isNonEmptyString = (v: unknown) => typeof v === 'string' && v.length > 0;
const isNonNegative = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isVersion = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** Checks the shape of a frame a client sent; throws PROTOCOL_ERROR. */
export function parseClientFrame(raw: unknown): ClientFrame {
  if (!isObject(raw)) throw protocolError('a frame must be an object with a `type`');
  const frame = raw;
  switch (frame.type) {
    case 'call':
      if (!isId(frame.id)) fail(frame, 'id must be a positive integer');
      if (!isNonEmptyString(frame.service)) fail(frame, 'service must be a string');
      if (!isNonEmptyString(frame.method)) fail(frame, 'method must be a string');
      optional(frame, 'version', isVersion, 'a positive integer');
      optional(frame, 'timeout', isNonNegative, 'a number of milliseconds');
      optional(frame, 'metadata', isStringMap, 'an object of strings');
      optional(frame, 'traceparent', isString, 'a string');
      optional(frame, 'hops', isNonNegative, 'a number');
      optional(frame, 'stream', (v) => typeof v === 'boolean', 'a boolean');
      optional(frame, 'credit', isNonNegative, 'a number');
      return frame as unknown as CallFrame;
    case 'cancel':
    case 'unsubscribe':
      if (!isId(frame.id)) fail(frame, 'id must be a positive integer');
      return frame as unknown as CancelFrame | UnsubscribeFrame;
    case 'credit':
      if (!isId(frame.id)) fail(frame, 'id must be a positive integer');
      if (!isNonNegative(frame.credit)) fail(frame, 'credit must be a non-negative number');
      return frame as unknown as CreditFrame;
    case 'subscribe':
      if (!isId(frame.id)) fail(frame, 'id must be a positive integer');
      if (!isNonEmptyString(frame.service)) fail(frame, 'service must be a string');
      if (!isNonEmptyString(frame.event)) fail(frame, 'event must be a string');
      optional(frame, 'version', isVersion, 'a positive integer');
      return frame as unknown as SubscribeFrame;
    case 'ping':
    case 'pong':
      return frame as unknown as PingFrame | PongFrame;
    case 'hello':
      if (typeof frame.version !== 'number') fail(frame, 'version must be a number');
      if (frame.codec !== 'json' && frame.codec !== 'msgpack') fail(frame, "codec must be 'json' or 'msgpack'");
      optional(frame, 'metadata', isStringMap, 'an object of strings');
      return frame as unknown as HelloFrame;
    default:
      throw protocolError(`unknown frame type '${typeof frame.type === 'string' ? frame.type.slice(0, 40) : String(frame.type)}'`);
  }
}

/** Checks the shape of a frame the server sent; throws PROTOCOL_ERROR. */
export function parseServerFrame(raw: unknown): ServerFrame {
  if (!isObject(raw)) throw protocolError('a frame must be an object with a `type`');
  const frame = raw;
  switch (frame.type) {
    case 'result':
    case 'item':
    case 'end':
    case 'event':
    case 'subscribed':
      if (!isId(frame.id)) fail(frame, 'id must be a positive integer');
      return frame as unknown as ServerFrame;
    case 'error':
      if (frame.id !== undefined && frame.id !== null && !isId(frame.id)) fail(frame, 'id must be a positive integer');
      if (!isObject(frame.error)) fail(frame, 'error must be an object');
      return frame as unknown as ErrorFrame;
    case 'welcome':
      if (typeof frame.version !== 'number') fail(frame, 'version must be a number');
      if (!isObject(frame.limits)) fail(frame, 'limits must be an object');
      return frame as unknown as WelcomeFrame;
    case 'goaway':
    case 'ping':
    case 'pong':
      return frame as unknown as ServerFrame;
    default:
      throw protocolError(`unknown frame type '${String(frame.type).slice(0, 40)}'`);
  }
}
