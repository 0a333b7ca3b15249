/**
 * Which file called `service()`: taken from the stack, so definition errors can name it.
 * Returns a path relative to the working directory when possible (Node), or the raw frame (browser).
 */
const OWN_FILES = /runtime[\\/]contract[\\/]/;

export function definingFile(): string {
  const stack = new Error().stack ?? '';
  for (const line of stack.split('\n').slice(1)) {
    const match = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):\d+\)?\s*$/.exec(line.trim());
    if (!match) continue;
    const file = match[1];
    if (OWN_FILES.test(file) || file.startsWith('node:')) continue;
    return `${relative(file)}:${match[2]}`;
  }
  return '<unknown file>';
}

function relative(file: string): string {
  let path = file.startsWith('file://') ? decodeURIComponent(file.slice('file://'.length)) : file;
  const cwd = typeof process !== 'undefined' && typeof process.cwd === 'function' ? process.cwd() : '';
  if (cwd && path.startsWith(cwd + '/')) path = path.slice(cwd.length + 1);
  return path;
}
