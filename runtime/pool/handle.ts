/**
 * What the server sees of the worker pool. runtime/server creates it with `createPool()` (from
 * runtime/pool/index.ts) and passes `executor` to the Dispatcher's `pool` option.
 */
import type { ContextHooks } from '../core/context.js';
import type { Executor } from '../core/executor.js';

export interface PoolOptions {
  /** Absolute paths or file URLs of handler modules (each exports BoundService values). */
  modules: string[];
  /** Worker threads (default: available parallelism). */
  threads?: number;
  /** Calls waiting for a worker past this fail at once with RESOURCE_EXHAUSTED. */
  maxQueue?: number;
  /** How long a handler may ignore an abort before its worker is terminated and replaced. */
  abortGraceMs?: number;
  /** Passed to each Worker's resourceLimits. */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number; stackSizeMb?: number };
}

export interface PoolHandle {
  /** For `new Dispatcher({ pool: handle.executor })`. */
  executor(hooks: ContextHooks): Executor;
  /** New calls go to workers with freshly loaded modules; in-flight calls finish on the old ones. */
  reload(): Promise<void>;
  close(): Promise<void>;
}
