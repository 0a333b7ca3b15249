/**
 * The mesh's own frames, next to the session frames of runtime/link on the same TCP connection:
 * the handshake (hello, auth, refuse), the first exchange after it (state) and what nodes tell
 * each other afterwards (gossip of node records, events). A control message is the byte 0xC1 (a
 * byte MessagePack never uses) followed by one MessagePack-encoded frame, so telling it from a
 * session message costs one byte compare. Every field is checked here: a bad frame is a
 * PROTOCOL_ERROR naming the frame and the field.
 */
import { msgpackCodec } from '../../core/codecs.js';
import type { WireError } from '../../core/errors.js';
import { parseVisited } from '../../core/meta-headers.js';
import { protocolError } from '../../link/frame-codec.js';
import type { NodeRecord, ServiceOffer } from './node-record.js';

/** Mesh protocol versions this build speaks (the handshake picks the highest both speak). */
export const MESH_PROTOCOLS: readonly number[] = [1];

/** First byte of a control message: 0xC1 is "never used" in MessagePack, so no session message starts with it. */
export const CONTROL_TAG = 0xc1;

export const NONCE_BYTES = 32;

/** First frame each side sends; the acceptor's carries its proof of the key (it knows both nonces). */
export interface HelloFrame {
  type: 'hello';
  protocols: number[];
  node: string;
  /**
   * Random per process start: tells a second connection of the same node (kept or replaced, see
   * docs/mesh.md) from another process claiming the same node id (refused).
   */
  instance?: string;
  nonce: Uint8Array;
  proof?: Uint8Array;
}
/** The dialer's proof of the key, once it has checked the acceptor's. */
export interface AuthFrame { type: 'auth'; proof: Uint8Array }
/** The handshake failed; the connection closes next. */
export interface RefuseFrame { type: 'refuse'; error: WireError }
/** Sent by both sides once authenticated: limits for this link and every node record known. */
export interface StateFrame { type: 'state'; maxFrameBytes: number; records: NodeRecord[] }
/** Node records newer than the receiver may know. */
export interface GossipFrame { type: 'gossip'; records: NodeRecord[] }
/** An event emitted on `origin`, for the nodes in `to` (each listed in exactly one copy). */
export interface EventFrame {
  type: 'event';
  origin: string;
  to: string[];
  /** Hops this copy may still make (a bound on transient routing loops). */
  ttl: number;
  service: string;
  version: number;
  event: string;
  data: unknown;
}

export type ControlFrame = HelloFrame | AuthFrame | RefuseFrame | StateFrame | GossipFrame | EventFrame;

export function encodeControl(frame: ControlFrame): Uint8Array {
  const body = msgpackCodec.encode(frame);
  const out = new Uint8Array(body.length + 1);
  out[0] = CONTROL_TAG;
  out.set(body, 1);
  return out;
}

export function isControlMessage(message: Uint8Array): boolean {
  return message.length > 0 && message[0] === CONTROL_TAG;
}

const MAX_LIST = 4096;
type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function bad(type: string, problem: string): never {
  throw protocolError(`malformed mesh '${type}' frame: ${problem}`);
}

function nodeId(value: unknown, type: string, field: string): string {
  if (typeof value !== 'string') bad(type, `${field} must be a node id`);
  try {
    parseVisited([value], field);
  } catch {
    bad(type, `${field} must be a node id (letters, digits, . _ - :), got '${value.slice(0, 80)}'`);
  }
  return value;
}

function nodeIds(value: unknown, type: string, field: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_LIST) bad(type, `${field} must be a list of at most ${MAX_LIST} node ids`);
  for (const id of value) nodeId(id, type, field);
  return value as string[];
}

function bytes(value: unknown, type: string, field: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) bad(type, `${field} must be ${length} bytes`);
  return value;
}

function count(value: unknown, type: string, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) bad(type, `${field} must be a non-negative integer`);
  return value;
}

function text(value: unknown, type: string, field: string, max = 256): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) bad(type, `${field} must be a string of 1 to ${max} characters`);
  return value;
}

function offer(value: unknown, type: string): ServiceOffer {
  if (!isObject(value)) bad(type, 'services must hold objects');
  text(value.name, type, 'services[].name');
  if (count(value.version, type, 'services[].version') < 1) bad(type, 'services[].version must be positive');
  text(value.fingerprint, type, 'services[].fingerprint', 128);
  if (!isObject(value.methods)) bad(type, `services[].methods of '${String(value.name)}' must be an object`);
  for (const [name, method] of Object.entries(value.methods)) {
    if (!isObject(method) || (method.kind !== 'unary' && method.kind !== 'stream')) bad(type, `method '${name}' of '${String(value.name)}' needs kind 'unary' or 'stream'`);
    text(method.fingerprint, type, `fingerprint of method '${name}'`, 128);
  }
  return value as unknown as ServiceOffer;
}

export function parseRecord(value: unknown, type: string): NodeRecord {
  if (!isObject(value)) bad(type, 'records must hold objects');
  nodeId(value.node, type, 'records[].node');
  count(value.seq, type, `seq of node '${String(value.node)}'`);
  if (typeof value.relay !== 'boolean') bad(type, `relay of node '${String(value.node)}' must be a boolean`);
  if (value.leaving !== undefined && typeof value.leaving !== 'boolean') bad(type, 'leaving must be a boolean');
  if (value.addr !== undefined && value.addr !== null) text(value.addr, type, `addr of node '${String(value.node)}'`, 300);
  if (value.instance !== undefined) text(value.instance, type, `instance of node '${String(value.node)}'`, 64);
  nodeIds(value.links, type, `links of node '${String(value.node)}'`);
  if (!Array.isArray(value.services) || value.services.length > MAX_LIST) bad(type, `services of node '${String(value.node)}' must be a list`);
  for (const service of value.services) offer(service, type);
  return value as unknown as NodeRecord;
}

function records(value: unknown, type: string): NodeRecord[] {
  if (!Array.isArray(value) || value.length > MAX_LIST) bad(type, `records must be a list of at most ${MAX_LIST}`);
  return value.map((r) => parseRecord(r, type));
}

/** Decodes and checks one control message (its first byte is CONTROL_TAG). */
export function decodeControl(message: Uint8Array): ControlFrame {
  let raw: unknown;
  try {
    raw = msgpackCodec.decode(message.subarray(1));
  } catch {
    throw protocolError('a mesh control message is not valid MessagePack');
  }
  if (!isObject(raw) || typeof raw.type !== 'string') throw protocolError('a mesh control frame must be an object with a `type`');
  const type = raw.type;
  switch (type) {
    case 'hello': {
      if (!Array.isArray(raw.protocols) || raw.protocols.length === 0 || raw.protocols.length > 16 || !raw.protocols.every((p) => Number.isSafeInteger(p))) {
        bad(type, 'protocols must be a list of version numbers');
      }
      nodeId(raw.node, type, 'node');
      if (raw.instance !== undefined) text(raw.instance, type, 'instance', 64);
      bytes(raw.nonce, type, 'nonce', NONCE_BYTES);
      if (raw.proof !== undefined) bytes(raw.proof, type, 'proof', 32);
      return raw as unknown as HelloFrame;
    }
    case 'auth':
      bytes(raw.proof, type, 'proof', 32);
      return raw as unknown as AuthFrame;
    case 'refuse':
      if (!isObject(raw.error) || typeof raw.error.code !== 'string') bad(type, 'error must be an object with a string code');
      return raw as unknown as RefuseFrame;
    case 'state':
      count(raw.maxFrameBytes, type, 'maxFrameBytes');
      records(raw.records, type);
      return raw as unknown as StateFrame;
    case 'gossip':
      records(raw.records, type);
      return raw as unknown as GossipFrame;
    case 'event':
      nodeId(raw.origin, type, 'origin');
      nodeIds(raw.to, type, 'to');
      count(raw.ttl, type, 'ttl');
      text(raw.service, type, 'service');
      if (count(raw.version, type, 'version') < 1) bad(type, 'version must be positive');
      text(raw.event, type, 'event');
      return raw as unknown as EventFrame;
    default:
      throw protocolError(`unknown mesh frame type '${type.slice(0, 40)}'`);
  }
}
