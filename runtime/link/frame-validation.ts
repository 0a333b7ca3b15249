/**
 * Checks the shape of frames a peer sent, before anything acts on them: a malformed frame is a
 * PROTOCOL_ERROR naming the frame type and the field, never a crash further in. A session accepts
 * the frames of its role only: a server does not take `result` frames, a client not `call` ones;
 * a mesh link, which both calls and serves, takes both. Browser-safe.
 */
import { parseVisited } from '../core/meta-headers.js';
import { protocolError } from './frame-codec.js';
import type { ClientFrame, Frame, ServerFrame } from './frames.js';

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

function requireId(frame: Obj): void {
  if (!isId(frame.id)) fail(frame, 'id must be a positive integer');
}

const isString = (v: unknown) => typeof v === 'string';
const isNonEmptyString = (v: unknown) => typeof v === 'string' && v.length > 0;
const isNonNegative = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isVersion = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** Which frames a session takes from its peer. */
export type FrameRole = 'server' | 'client' | 'peer';

const FROM_CALLER = new Set(['hello', 'call', 'cancel', 'credit', 'subscribe', 'unsubscribe']);
const FROM_CALLEE = new Set(['welcome', 'result', 'error', 'item', 'end', 'subscribed', 'event', 'goaway']);

/** Whether a frame is one a caller sends (it goes to the serving half of a link). */
export function isCallerFrame(frame: Frame): frame is Exclude<ClientFrame, { type: 'ping' | 'pong' }> {
  return FROM_CALLER.has(frame.type);
}

/** Checks one frame for a session of `role`; throws PROTOCOL_ERROR. */
export function parseFrame(raw: unknown, role: FrameRole): Frame {
  if (!isObject(raw)) throw protocolError('a frame must be an object with a `type`');
  const frame = raw;
  const type = typeof frame.type === 'string' ? frame.type : undefined;
  if (type !== undefined && role !== 'peer' && (role === 'server' ? FROM_CALLEE : FROM_CALLER).has(type)) {
    throw protocolError(`a ${role === 'server' ? 'client' : 'server'} cannot send '${type}' frames`);
  }
  switch (type) {
    case 'call':
      requireId(frame);
      if (!isNonEmptyString(frame.service)) fail(frame, 'service must be a string');
      if (!isNonEmptyString(frame.method)) fail(frame, 'method must be a string');
      optional(frame, 'version', isVersion, 'a positive integer');
      optional(frame, 'timeout', isNonNegative, 'a number of milliseconds');
      optional(frame, 'metadata', isStringMap, 'an object of strings');
      optional(frame, 'traceparent', isString, 'a string');
      optional(frame, 'hops', (v) => isNonNegative(v) && Number.isInteger(v), 'a non-negative integer');
      optional(frame, 'stream', (v) => typeof v === 'boolean', 'a boolean');
      optional(frame, 'credit', isNonNegative, 'a number');
      if (frame.visited !== undefined && frame.visited !== null) parseVisited(frame.visited, "a 'call' frame's visited");
      return frame as unknown as ClientFrame;
    case 'cancel':
    case 'unsubscribe':
    case 'end':
      requireId(frame);
      return frame as unknown as Frame;
    case 'credit':
      requireId(frame);
      if (!isNonNegative(frame.credit)) fail(frame, 'credit must be a non-negative number');
      return frame as unknown as ClientFrame;
    case 'subscribe':
      requireId(frame);
      if (!isNonEmptyString(frame.service)) fail(frame, 'service must be a string');
      if (!isNonEmptyString(frame.event)) fail(frame, 'event must be a string');
      optional(frame, 'version', isVersion, 'a positive integer');
      return frame as unknown as ClientFrame;
    case 'hello':
      if (typeof frame.version !== 'number') fail(frame, 'version must be a number');
      if (frame.codec !== 'json' && frame.codec !== 'msgpack') fail(frame, "codec must be 'json' or 'msgpack'");
      optional(frame, 'metadata', isStringMap, 'an object of strings');
      return frame as unknown as ClientFrame;
    case 'result':
    case 'item':
    case 'event':
    case 'subscribed':
      requireId(frame);
      return frame as unknown as ServerFrame;
    case 'error':
      if (frame.id !== undefined && frame.id !== null) requireId(frame);
      if (!isObject(frame.error) || typeof frame.error.code !== 'string') fail(frame, 'error must be an object with a string code');
      return frame as unknown as ServerFrame;
    case 'welcome':
      if (typeof frame.version !== 'number') fail(frame, 'version must be a number');
      if (!isObject(frame.limits)) fail(frame, 'limits must be an object');
      return frame as unknown as ServerFrame;
    case 'goaway':
    case 'ping':
    case 'pong':
      return frame as unknown as Frame;
    default:
      throw protocolError(`unknown frame type '${type !== undefined ? type.slice(0, 40) : String(frame.type)}'`);
  }
}
