/**
 * Content negotiation and the one way the HTTP server writes results and errors.
 * JSON unless the request's Accept (or, failing that, Content-Type) names MessagePack.
 */
import type { FastifyReply } from 'fastify';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { childSchemas, isBytesSchema, type ErrorMap } from '../../contract/index.js';
import { encodeJson, msgpackCodec, type Codec } from '../../core/codecs.js';
import { AccordError, httpStatusOf, type WireError } from '../../core/errors.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
export const MSGPACK_CONTENT_TYPE = 'application/msgpack';

/** True when the response should be MessagePack. */
export function wantsMsgpack(headers: IncomingHttpHeaders): boolean {
  const accept = headers.accept;
  if (accept !== undefined && accept !== '*/*') {
    if (accept.includes('msgpack')) return true;
    if (accept.includes('json') || accept.includes('event-stream')) return false;
  }
  const type = headers['content-type'];
  return type !== undefined && type.includes('msgpack');
}

/** The HTTP status of an error: the framework table (httpStatusOf), else the method's declared status, else 500. */
export function statusOf(code: string, declared?: ErrorMap): number {
  const spec = declared && Object.hasOwn(declared, code) ? declared[code] : undefined;
  return httpStatusOf(code, spec?.status);
}

export function toAccordError(error: unknown): AccordError {
  return error instanceof AccordError ? error : new AccordError('INTERNAL', 'internal error', undefined, { cause: error });
}

/** JSON encoder for a schema: the base64-aware one only when the schema has bytes() somewhere. */
export function jsonEncoderFor(schema: z.ZodType): (value: unknown) => string {
  return containsBytes(schema, new Set()) ? encodeJson : plainJson;
}

function plainJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function containsBytes(schema: z.ZodType, seen: Set<z.ZodType>): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  if (isBytesSchema(schema)) return true;
  const type = (schema._zod.def as { type: string }).type;
  if (type === 'any' || type === 'unknown') return true; // could hold anything, bytes included
  return childSchemas(schema).some(([, child]) => containsBytes(child, seen));
}

/** A result: status 200 is fastify's default (setting it again measured as a cost on the hot path). */
export function sendOutput(reply: FastifyReply, output: unknown, msgpack: boolean, encodeJsonOutput: (v: unknown) => string): void {
  if (msgpack) reply.header('content-type', MSGPACK_CONTENT_TYPE).send(msgpackCodec.encode(output));
  else reply.header('content-type', JSON_CONTENT_TYPE).send(encodeJsonOutput(output));
}

const UNENCODABLE: WireError = { code: 'INTERNAL', message: 'internal error' };

/**
 * Status and body of an error response. Error `data` comes from handlers, so it may not encode
 * (a BigInt, a cycle): then the caller gets a plain INTERNAL rather than no answer at all.
 */
export function errorResponse(error: AccordError, msgpack: boolean, declared?: ErrorMap): { status: number; body: string | Uint8Array } {
  try {
    return { status: statusOf(error.code, declared), body: msgpack ? msgpackCodec.encode(error.toWire()) : encodeJson(error.toWire()) };
  } catch {
    return { status: 500, body: msgpack ? msgpackCodec.encode(UNENCODABLE) : encodeJson(UNENCODABLE) };
  }
}

export function sendError(reply: FastifyReply, error: AccordError, msgpack: boolean, declared?: ErrorMap): void {
  if (reply.sent || reply.raw.destroyed) return;
  const { status, body } = errorResponse(error, msgpack, declared);
  reply.code(status).header('content-type', msgpack ? MSGPACK_CONTENT_TYPE : JSON_CONTENT_TYPE).send(body);
}

/** Same, on a raw (hijacked) response: streams that fail before their first item. */
export function writeRawError(res: ServerResponse, error: AccordError, codec: Codec, declared?: ErrorMap, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.destroyed) return;
  const msgpack = codec.name === 'msgpack';
  const { status, body } = errorResponse(error, msgpack, declared);
  res.writeHead(status, { ...headers, 'content-type': msgpack ? MSGPACK_CONTENT_TYPE : JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
