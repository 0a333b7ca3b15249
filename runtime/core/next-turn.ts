/**
 * Runs `fn` once the current turn of the event loop is done (I/O callbacks, promise reactions):
 * setImmediate where there is one (Node), else a microtask (browsers). Used to batch the writes of
 * one turn and to let other work run between items of a fast stream. Browser-safe.
 */
export const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => queueMicrotask(fn);
