/**
 * ESM import specifiers in generated files: relative ones between generated files and contracts
 * (NodeNext wants `.js`), and the package's own entry points for the runtime, so generated code
 * never depends on where Accord is installed.
 */
import { dirname, relative, sep } from 'node:path';

/** The specifier `fromFile` uses to import `toFile` (both absolute; `.ts` becomes `.js`). */
export function importSpecifier(fromFile: string, toFile: string): string {
  let spec = relative(dirname(fromFile), toFile).split(sep).join('/');
  spec = spec.replace(/\.(m?)ts$/, '.$1js');
  return spec.startsWith('.') ? spec : `./${spec}`;
}

/** The npm package generated code imports the runtime from. */
export const PACKAGE_NAME = 'accord-rpc';

/** The specifier of one of the package's public entry points, e.g. `accord-rpc/client`. */
export function packageEntry(entry: 'client' | 'server' | 'contract'): string {
  return `${PACKAGE_NAME}/${entry}`;
}
