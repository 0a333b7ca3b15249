/**
 * Moving bytes between threads without copying. A Uint8Array crosses the thread boundary by
 * transfer (its ArrayBuffer moves; the sender's copy becomes empty) only when the code that made it
 * says it is done with it: `transferable(bytes)`. Everything else is copied by structured clone.
 *
 * Why opt-in: transferring detaches the sender's buffer. A handler that returns a cached buffer, a
 * caller that keeps its input, or a view into Node's shared Buffer pool would all break if the pool
 * moved their memory behind their back. So only arrays that are marked AND own their whole
 * ArrayBuffer (no pooled Buffer slices, no SharedArrayBuffer) move; the rest are copied.
 */

const marked = new WeakSet<ArrayBufferView>();
/** Marks made and not yet seen in an outgoing message: while 0, messages are not walked at all. */
let pendingMarks = 0;

/**
 * Marks `bytes` to be moved, not copied, when it next crosses between the main thread and a pool
 * worker (as a handler result, a stream item, a call input or a task payload). Returns it unchanged.
 * Do not touch `bytes` after returning or passing it on.
 */
export function transferable<T extends ArrayBufferView>(bytes: T): T {
  if (!marked.has(bytes)) {
    marked.add(bytes);
    pendingMarks++;
  }
  return bytes;
}

function movable(view: ArrayBufferView): boolean {
  const buffer = view.buffer;
  return buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength && buffer.byteLength > 0;
}

/**
 * The ArrayBuffers of marked arrays in `value` (plain objects and arrays, a few levels deep), or
 * undefined when there are none (without walking at all while nothing is marked).
 */
export function transfersOf(value: unknown): ArrayBuffer[] | undefined {
  if (pendingMarks === 0 || typeof value !== 'object' || value === null) return undefined;
  const out: ArrayBuffer[] = [];
  walk(value, out, 0);
  return out.length > 0 ? out : undefined;
}

function walk(value: object, out: ArrayBuffer[], depth: number): void {
  if (ArrayBuffer.isView(value)) {
    if (marked.has(value)) {
      marked.delete(value);
      pendingMarks = Math.max(0, pendingMarks - 1);
      if (movable(value) && !out.includes(value.buffer as ArrayBuffer)) out.push(value.buffer as ArrayBuffer);
    }
    return;
  }
  if (depth >= 6) return;
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) walk(item, out, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) walk(item, out, depth + 1);
  }
}
