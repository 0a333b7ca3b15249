/**
 * Call metadata as headers, for every transport that carries it that way (HTTP, NATS): one parser
 * for servers and one writer for clients, so the header names and their checks exist once.
 * Browser-safe: no Node imports.
 */
import type { OutgoingCall } from './client-transport.js';
import { deadlineFromTimeout, META_HEADERS, timeoutFromDeadline, type CallMeta } from './envelope.js';
import { AccordError } from './errors.js';

/** Node ids are short tokens: letters, digits, `.`, `_`, `-`, `:` (so a comma list needs no escaping). */
const NODE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_VISITED = 64;

function badHeader(name: string, problem: string, value: string): AccordError {
  return new AccordError('PROTOCOL_ERROR', `${name} ${problem}, got '${value.slice(0, 80)}'`);
}

/** The visited list a header or frame field carries, checked (PROTOCOL_ERROR naming `where`). */
export function parseVisited(value: unknown, where: string = META_HEADERS.visited): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
  if (!Array.isArray(list) || list.length > MAX_VISITED || !list.every((id) => typeof id === 'string' && NODE_ID.test(id))) {
    throw badHeader(where, `must list at most ${MAX_VISITED} node ids (letters, digits, . _ - :)`, String(value));
  }
  return list as string[];
}

/**
 * Call metadata from lower-cased headers: the deadline from `accord-timeout`, hops, trace context and
 * the visited list, with every header kept as caller metadata. Throws PROTOCOL_ERROR naming the
 * header that is malformed.
 */
export function metaFromHeaders(headers: Record<string, string | undefined>, now = Date.now()): CallMeta {
  const timeout = headers[META_HEADERS.timeout];
  const hops = headers[META_HEADERS.hops];
  let deadline: number | undefined;
  if (timeout !== undefined) {
    const ms = Number(timeout);
    if (timeout === '' || !Number.isFinite(ms) || ms < 0) throw badHeader(META_HEADERS.timeout, 'must be a number of milliseconds', timeout);
    deadline = deadlineFromTimeout(ms, now);
  }
  let hopCount = 0;
  if (hops !== undefined) {
    hopCount = Number(hops);
    if (hops === '' || !Number.isSafeInteger(hopCount) || hopCount < 0) throw badHeader(META_HEADERS.hops, 'must be a non-negative integer', hops);
  }
  const meta: CallMeta = { deadline, traceparent: headers[META_HEADERS.traceparent], hops: hopCount, headers: headers as Record<string, string> };
  const visited = parseVisited(headers[META_HEADERS.visited]);
  if (visited) meta.visited = visited;
  const fingerprint = headers[META_HEADERS.fingerprint];
  if (fingerprint !== undefined) meta.fingerprint = fingerprint;
  return meta;
}

/** Writes an outgoing call's deadline and network context as headers into `into`. */
export function writeMetaHeaders(call: OutgoingCall, into: Record<string, string>, now = Date.now()): void {
  if (call.deadline !== undefined) into[META_HEADERS.timeout] = String(timeoutFromDeadline(call.deadline, now));
  if (call.hops) into[META_HEADERS.hops] = String(call.hops);
  if (call.traceparent) into[META_HEADERS.traceparent] = call.traceparent;
  if (call.visited?.length) into[META_HEADERS.visited] = call.visited.join(',');
}
