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
const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBoolean = (v: unknown) => typeof v === 'boolean';

function isContractMap(value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const key in value) if (!isStringMap(value[key])) return false;
  return true;
}

/** Which frames a session takes from its peer: a client's (callee frames), a server's (caller frames), or a mesh link's (both). */
export type FrameRole = 'server' | 'client' | 'peer';

/** Checks one frame for a session of `role`; throws PROTOCOL_ERROR. */
export type FrameParser = (raw: unknown) => Frame;

const FROM_CALLER = new Set(['hello', 'call', 'cancel', 'credit', 'subscribe', 'unsubscribe']);

/** Whether a frame is one a caller sends (it goes to the serving half of a link). */
export function isCallerFrame(frame: Frame): frame is Exclude<ClientFrame, { type: 'ping' | 'pong' }> {
  return FROM_CALLER.has(frame.type);
}

function objectFrame(raw: unknown): Obj {
  if (!isObject(raw)) throw protocolError('a frame must be an object with a `type`');
  return raw;
}

function unexpected(frame: Obj, from: string): never {
  const type = frame.type;
  throw protocolError(typeof type === 'string' ? `a ${from} cannot send '${type.slice(0, 40)}' frames` : `unknown frame type '${String(type)}'`);
}

/** Checks a frame a callee sent (what a calling session takes). Separate from the caller's checks so a browser client bundles only these. */
export function parseCalleeFrame(raw: unknown): ServerFrame {
  const frame = objectFrame(raw);
  switch (frame.type) {
    case 'result':
    case 'item':
    case 'event':
    case 'subscribed':
    case 'end':
      requireId(frame);
      break;
    case 'error':
      if (frame.id !== undefined && frame.id !== null) requireId(frame);
      if (!isObject(frame.error) || typeof frame.error.code !== 'string') fail(frame, 'error must be an object with a string code');
      break;
    case 'welcome':
      if (typeof frame.version !== 'number') fail(frame, 'version must be a number');
      if (!isObject(frame.limits)) fail(frame, 'limits must be an object');
      break;
    case 'goaway':
    case 'ping':
    case 'pong':
      break;
    default:
      unexpected(frame, 'server');
  }
  return frame as unknown as ServerFrame;
}

/** Checks a frame a caller sent (what a serving session takes). */
export function parseCallerFrame(raw: unknown): ClientFrame {
  const frame = objectFrame(raw);
  switch (frame.type) {
    case 'call':
      requireId(frame);
      if (!isNonEmptyString(frame.service)) fail(frame, 'service must be a string');
      if (!isNonEmptyString(frame.method)) fail(frame, 'method must be a string');
      optional(frame, 'version', isVersion, 'a positive integer');
      optional(frame, 'timeout', isNonNegative, 'a number of milliseconds');
      optional(frame, 'metadata', isStringMap, 'an object of strings');
      optional(frame, 'traceparent', isString, 'a string');
      optional(frame, 'hops', isCount, 'a non-negative integer');
      optional(frame, 'stream', isBoolean, 'a boolean');
      optional(frame, 'credit', isNonNegative, 'a number');
      if (frame.visited !== undefined && frame.visited !== null) parseVisited(frame.visited, "a 'call' frame's visited");
      break;
    case 'cancel':
    case 'unsubscribe':
      requireId(frame);
      break;
    case 'credit':
      requireId(frame);
      if (!isNonNegative(frame.credit)) fail(frame, 'credit must be a non-negative number');
      break;
    case 'subscribe':
      requireId(frame);
      if (!isNonEmptyString(frame.service)) fail(frame, 'service must be a string');
      if (!isNonEmptyString(frame.event)) fail(frame, 'event must be a string');
      optional(frame, 'version', isVersion, 'a positive integer');
      break;
    case 'hello':
      if (typeof frame.version !== 'number') fail(frame, 'version must be a number');
      if (frame.codec !== 'json' && frame.codec !== 'msgpack') fail(frame, "codec must be 'json' or 'msgpack'");
      optional(frame, 'metadata', isStringMap, 'an object of strings');
      optional(frame, 'contracts', isContractMap, "an object of '<service>.v<N>' to objects of method fingerprints");
      break;
    case 'ping':
    case 'pong':
      break;
    default:
      unexpected(frame, 'client');
  }
  return frame as unknown as ClientFrame;
}

/** Checks a frame a mesh link took: either side's (a link both calls and serves). */
export function parsePeerFrame(raw: unknown): Frame {
  const frame = objectFrame(raw);
  return typeof frame.type === 'string' && FROM_CALLER.has(frame.type) ? parseCallerFrame(frame) : parseCalleeFrame(frame);
}

/** The checks for a session of `role`. */
export function frameParser(role: FrameRole): FrameParser {
  return role === 'server' ? parseCallerFrame : role === 'client' ? parseCalleeFrame : parsePeerFrame;
}

/** Checks one frame for a session of `role`; throws PROTOCOL_ERROR. */
export function parseFrame(raw: unknown, role: FrameRole): Frame {
  return frameParser(role)(raw);
}
