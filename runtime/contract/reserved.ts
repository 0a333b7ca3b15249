/** Names a contract may not use, because generated code or the wire protocol already uses them. */

/** JavaScript reserved words and names that generated client classes and proxies define themselves. */
export const RESERVED_METHOD_NAMES = new Set([
  // JavaScript
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof',
  'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void',
  'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package', 'private', 'protected',
  'public', 'await', 'async',
  // object and promise plumbing
  'constructor', 'prototype', '__proto__', 'toString', 'valueOf', 'toJSON', 'then', 'hasOwnProperty',
  // members of the generated client classes
  'on', 'off', 'close', 'isError', 'transport', 'service', 'version', 'contract', 'unary', 'stream',
]);

export const RESERVED_SERVICE_NAMES = new Set(['rpc', 'openapi', 'docs', 'healthz', 'readyz', 'metrics', 'accord', 'schemas']);

/** Framework error codes; a contract declares its own, never these. */
export const FRAMEWORK_ERROR_CODES = [
  'INVALID_ARGUMENT', 'NOT_FOUND', 'UNIMPLEMENTED', 'UNAUTHENTICATED', 'PERMISSION_DENIED',
  'DEADLINE_EXCEEDED', 'CANCELLED', 'UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'PAYLOAD_TOO_LARGE',
  'FAILED_PRECONDITION', 'PROTOCOL_ERROR', 'LOOP_DETECTED', 'INTERNAL',
] as const;

/**
 * Framework codes a contract may also declare, to give them typed data (a handler's NOT_FOUND with
 * the missing id). The framework itself never sends these, so the declared data is always honest.
 * The declared status must be the framework's.
 */
export const DECLARABLE_FRAMEWORK_CODES: Readonly<Record<string, number>> = { NOT_FOUND: 404, FAILED_PRECONDITION: 412 };

export const IDENTIFIER = /^[a-z][a-zA-Z0-9]*$/;
export const ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;
