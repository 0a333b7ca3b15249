/**
 * Turns base64 strings back into Uint8Array at the paths where a contract declares bytes() — JSON
 * carries bytes as base64; MessagePack already delivers Uint8Array, which is left alone.
 */
import { base64ToBytes } from '../core/base64.js';

/**
 * A path of object keys to a bytes() field, `*` for array items and record values. Declared here,
 * not imported from runtime/contract: even a type-only import would pull zod's declarations into
 * every client's type check.
 */
export type BytesPath = readonly string[];

export function reviveBytes(value: unknown, paths: readonly BytesPath[] | undefined): unknown {
  if (!paths || paths.length === 0) return value;
  for (const path of paths) value = reviveAt(value, path, 0);
  return value;
}

function reviveAt(value: unknown, path: BytesPath, index: number): unknown {
  // A string that is not base64 is left as it came, for the caller to see.
  if (index === path.length) return typeof value === 'string' ? base64ToBytes(value) ?? value : value;
  if (typeof value !== 'object' || value === null) return value;
  const segment = path[index];
  const target = value as Record<string, unknown>;
  const keys = segment === '*' ? Object.keys(target) : Object.hasOwn(target, segment) ? [segment] : [];
  for (const key of keys) target[key] = reviveAt(target[key], path, index + 1);
  return value;
}
