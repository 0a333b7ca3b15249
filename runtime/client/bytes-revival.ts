/**
 * Turns base64 strings back into Uint8Array at the paths where a contract declares bytes() — JSON
 * carries bytes as base64; MessagePack already delivers Uint8Array, which is left alone.
 */
export type BytesPath = readonly string[];

export function reviveBytes(value: unknown, paths: readonly BytesPath[] | undefined): unknown {
  if (!paths || paths.length === 0) return value;
  for (const path of paths) value = reviveAt(value, path, 0);
  return value;
}

function reviveAt(value: unknown, path: BytesPath, index: number): unknown {
  if (index === path.length) return typeof value === 'string' ? base64ToBytes(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  const segment = path[index];
  const target = value as Record<string, unknown>;
  const keys = segment === '*' ? Object.keys(target) : Object.prototype.hasOwnProperty.call(target, segment) ? [segment] : [];
  for (const key of keys) target[key] = reviveAt(target[key], path, index + 1);
  return value;
}

function base64ToBytes(text: string): Uint8Array | string {
  try {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return text; // not base64: leave the value for the caller to see as it came
  }
}
