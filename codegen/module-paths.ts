/** Relative ESM import specifiers between generated files, contracts and the runtime (NodeNext wants `.js`). */
import { dirname, relative, sep } from 'node:path';

/** The specifier `fromFile` uses to import `toFile` (both absolute; `.ts` becomes `.js`). */
export function importSpecifier(fromFile: string, toFile: string): string {
  let spec = relative(dirname(fromFile), toFile).split(sep).join('/');
  spec = spec.replace(/\.(m?)ts$/, '.$1js');
  return spec.startsWith('.') ? spec : `./${spec}`;
}
