/**
 * What counts as a clear error, for every transport: Accord's `{code, message}` shape with a code
 * the framework or a contract defines. INTERNAL is a server fault, never the answer to bad input;
 * the one INTERNAL accepted is the dispatcher's report that a handler broke its contract (e.g.
 * `math.add` of two huge numbers gives Infinity, which the output schema refuses): the handler's
 * fault, stated as such.
 */
import { msgpackCodec } from 'accord-rpc/core';

export const HANDLER_BROKE_CONTRACT = 'the handler returned output that does not match the contract';

const CODE = /^[A-Z][A-Z0-9_]*$/;

export interface WireErrorLike {
  code: string;
  message: string;
}

/** The error in `value`, when it has Accord's shape. */
export function asWireError(value: unknown): WireErrorLike | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === 'string' && CODE.test(code) && typeof message === 'string' ? { code, message } : undefined;
}

/** Why `error` is not a clear error, or undefined when it is one. */
export function unclearError(error: unknown, where: string): string | undefined {
  const wire = asWireError(error);
  if (!wire) return `${where}: not an error of Accord's shape: ${JSON.stringify(error)?.slice(0, 200)}`;
  if (wire.code === 'INTERNAL' && wire.message !== HANDLER_BROKE_CONTRACT) return `${where}: INTERNAL (${wire.message}) answers hostile input`;
  return undefined;
}

/** An error body, decoded by its content type (JSON or MessagePack); undefined when it does not decode. */
export function decodeErrorBody(contentType: string | undefined, body: Uint8Array): unknown {
  try {
    if (contentType?.includes('msgpack')) return msgpackCodec.decode(body);
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
}
