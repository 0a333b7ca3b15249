/**
 * What the server sees of the worker pool. runtime/server creates it with `createPool()` (from
 * runtime/pool/index.ts) and passes `executor` to the Dispatcher's `pool` option.
 */
import type { ContextHooks } from '../core/context.js';
import type { Execution, Executor } from '../core/executor.js';
import type { Logger } from '../core/logger.js';
import type { TaskCounts } from './task-counters.js';
import type { TaskStore } from './task-store.js';

export interface PoolOptions {
  /** Absolute paths or file URLs of handler modules (each exports BoundService values, and optionally `defineTasks` sets). */
  modules: string[];
  /** Worker threads (default: available parallelism). */
  threads?: number;
  /** Calls waiting for a worker past this fail at once with RESOURCE_EXHAUSTED (default 10,000). */
  maxQueue?: number;
  /** How long a handler may ignore an abort before its worker is terminated and replaced (default 5,000 ms). */
  abortGraceMs?: number;
  /** Passed to each Worker's resourceLimits. */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number; stackSizeMb?: number };
  /** Calls one worker runs at once (async handlers interleave; default 64). More wait in the pool's queue. */
  concurrency?: number;
  /** Stream items a worker may run ahead of the consumer (the credit window; default 16). */
  streamWindow?: number;
  /** Reload when a file in the handler modules' folders changes (development). */
  watch?: boolean | { debounceMs?: number; paths?: string[] };
  /** Where worker crashes, task failures and worker `ctx.logger` lines go (default: the dispatcher's logger, from the hooks). */
  logger?: Logger;
  /** How long a new worker may take to load the modules (default 30,000 ms). */
  startTimeoutMs?: number;
  /** Deadline of a scheduled or delayed task run that sets none (default 60,000 ms). */
  taskTimeoutMs?: number;
  /**
   * Where delayed runs and cron ticks wait (default: timers in this process, lost on restart).
   * `natsTaskStore()` from `accord-rpc/nats` keeps them in JetStream, shared by the deployment.
   */
  taskStore?: TaskStore;
}

export interface ScheduleOptions {
  /** Run after this many milliseconds (default 0: as soon as a worker is free). */
  delayMs?: number;
}

export interface ScheduledRun {
  /** The run's id: its `ctx.callId`. */
  readonly id: string;
  /**
   * Cancels the run if it has not started; true when it was cancelled. A durable store cancels
   * asynchronously: a run within moments of its due time may still run (docs/pool.md).
   */
  cancel(): boolean;
  /**
   * Resolves once the task store holds the run (at once in memory; when JetStream has acknowledged
   * it with the NATS store), rejects when it could not be stored. Absent on runs scheduled from a
   * pool worker, which the main thread stores (and logs when it cannot).
   */
  readonly stored?: Promise<void>;
}

/** Task runs in this process, for stats and metrics. */
export interface TaskStats {
  /** The task store's kind (`memory`, `nats`). */
  store: string;
  /** Runs waiting in this process's memory (delayed runs of the memory store). */
  waiting: number;
  /** Attempts running now. */
  running: number;
  byTask: Record<string, TaskCounts>;
}

export interface PoolStats {
  generation: number;
  workers: { threadId: number; generation: number; state: 'starting' | 'ready' | 'draining'; inFlight: number }[];
  queued: number;
  inFlight: number;
  /** Workers replaced after a crash or an ignored abort since the pool started. */
  replaced: number;
  tasks: TaskStats;
}

/** The pool's executor: its unary calls always answer with a promise (they cross a thread). */
export interface PoolExecutor extends Executor {
  unary(execution: Execution): Promise<unknown>;
}

export interface PoolHandle {
  /** For `new Dispatcher({ pool: handle.executor })`. */
  executor(hooks: ContextHooks): PoolExecutor;
  /** New calls go to workers with freshly loaded modules; in-flight calls finish on the old ones. */
  reload(): Promise<void>;
  close(): Promise<void>;
  /** Runs a task declared with `defineTasks` in a pool worker after `delayMs`, through the task store. */
  schedule(task: string, payload?: unknown, options?: ScheduleOptions): ScheduledRun;
  /** Resolves when the first workers have loaded the modules and the task store is open (rejects when either cannot). */
  ready(): Promise<void>;
  stats(): PoolStats;
}
