/** JSON text for generated files and fingerprints. */
export { canonicalJson } from '../runtime/contract/canonical-json.js';

/** Pretty JSON with a final newline; key order is the order the builders inserted (deterministic). */
export function stringifyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
