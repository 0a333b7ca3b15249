/**
 * The error model: every failure a caller sees is `{ code, message, data }`. Framework codes map to
 * one HTTP status each (this table is the one the HTTP transport and the OpenAPI document use);
 * contract codes carry the status their contract declares. Browser-safe: no Node imports.
 */

export const FRAMEWORK_STATUS = {
  INVALID_ARGUMENT: 400,
  PROTOCOL_ERROR: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  UNIMPLEMENTED: 501,
  FAILED_PRECONDITION: 412,
  PAYLOAD_TOO_LARGE: 413,
  CANCELLED: 499,
  RESOURCE_EXHAUSTED: 429,
  LOOP_DETECTED: 508,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;

export type FrameworkErrorCode = keyof typeof FRAMEWORK_STATUS;

/** One issue from input or output validation, with its field path (`items.0.qty`). */
export interface ValidationIssue {
  path: string;
  message: string;
  code?: string;
}

/** `data` of framework errors that carry data. */
export interface FrameworkErrorData {
  INVALID_ARGUMENT: { issues: ValidationIssue[] };
}

/** The shape of an error on every wire. */
export interface WireError {
  code: string;
  message: string;
  data?: unknown;
}

/**
 * An error with a code. `Code` and `Data` are narrowed by generated clients (`isError`), so a caller
 * switching on `code` gets the contract's typed `data`.
 */
export class AccordError<Code extends string = string, Data = unknown> extends Error {
  override name = 'AccordError';
  readonly code: Code;
  readonly data: Data;

  constructor(code: Code, message: string, data?: Data, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.data = data as Data;
  }

  toWire(): WireError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static fromWire(wire: unknown): AccordError {
    if (typeof wire === 'object' && wire !== null && typeof (wire as WireError).code === 'string') {
      const w = wire as WireError;
      return new AccordError(w.code, typeof w.message === 'string' ? w.message : w.code, w.data);
    }
    return new AccordError('INTERNAL', 'malformed error from the server', wire);
  }
}

export function isAccordError(value: unknown): value is AccordError {
  return value instanceof AccordError;
}

export function isFrameworkCode(code: string): code is FrameworkErrorCode {
  return Object.hasOwn(FRAMEWORK_STATUS, code);
}

/** HTTP status of a framework code, or of a contract code given its declared status. */
export function httpStatusOf(code: string, declaredStatus?: number): number {
  if (isFrameworkCode(code)) return FRAMEWORK_STATUS[code];
  return declaredStatus ?? 500;
}

/** The framework code a bare HTTP status means, for responses that carry no error body (proxies, 413 from a limit). */
export function codeOfHttpStatus(status: number): FrameworkErrorCode {
  switch (status) {
    case 400: return 'INVALID_ARGUMENT';
    case 401: return 'UNAUTHENTICATED';
    case 403: return 'PERMISSION_DENIED';
    case 404: return 'NOT_FOUND';
    case 408: case 504: return 'DEADLINE_EXCEEDED';
    case 413: return 'PAYLOAD_TOO_LARGE';
    case 429: return 'RESOURCE_EXHAUSTED';
    case 501: return 'UNIMPLEMENTED';
    case 502: case 503: return 'UNAVAILABLE';
    default: return 'INTERNAL';
  }
}
