/** Names a contract may not use, because generated code or the wire protocol already uses them. */
import { FRAMEWORK_STATUS, type FrameworkErrorCode } from '../core/errors.js';

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

/** Framework error codes (the keys of the one status table); a contract declares its own, never these. */
export const FRAMEWORK_ERROR_CODES = Object.keys(FRAMEWORK_STATUS) as FrameworkErrorCode[];

/**
 * Framework codes a contract may also declare, to give them typed data (a handler's NOT_FOUND with
 * the missing id). The dispatcher never sends these for a call that reached a method (unknown
 * services and methods are UNIMPLEMENTED), so the declared data is honest for calls that ran.
 * The declared status must be the framework's.
 */
export const DECLARABLE_FRAMEWORK_CODES: Readonly<Record<string, number>> = { NOT_FOUND: 404, FAILED_PRECONDITION: 412 };

export const IDENTIFIER = /^[a-z][a-zA-Z0-9]*$/;
export const ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;
