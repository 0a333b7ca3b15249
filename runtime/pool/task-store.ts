/**
 * The pool's task store: where delayed runs and cron ticks wait until they are due, and which
 * process takes them. The pool decides what a run is (a task of its handler modules, run in a
 * worker with a handler context); a store decides where it waits and who runs it.
 *
 * - MemoryTaskStore (memory-task-store.ts, the default): timers in this process. A run survives
 *   worker crashes and reloads, not a restart of the process.
 * - natsTaskStore (accord-rpc/nats, runtime/transports/nats/task-store.ts): a JetStream stream
 *   shared by every process of the deployment. A run survives restarts, runs in one process, and
 *   is retried when it fails.
 */
import type { Logger } from '../core/logger.js';
import type { ScheduledRun } from './handle.js';
import type { TaskInfo } from './protocol.js';
import type { TaskCounters } from './task-counters.js';

/** One run to keep until it is due. */
export interface RunRequest {
  /** Unique id of the run: its `ctx.callId`, the same on every attempt. */
  id: string;
  task: string;
  /** What `schedule()` was given (undefined for cron runs). */
  payload: unknown;
  /** When it is due, in ms since the epoch. */
  dueAt: number;
}

/** What the pool gives its store. */
export interface TaskHost {
  /** Runs one attempt of a run in a pool worker: resolves when it succeeded, rejects with its error. */
  run(task: string, payload: unknown, runId: string): Promise<void>;
  readonly logger: Logger;
  readonly counters: TaskCounters;
}

export interface TaskStore {
  /** Its name in logs and stats (`memory`, `nats`). */
  readonly kind: string;
  /** Runs this store holds in this process's memory (0 for a store that keeps them elsewhere). */
  readonly waiting: number;
  /** Called once by the pool; resolves when the store can take runs (the pool's `ready()` waits for it). */
  open(host: TaskHost): Promise<void>;
  /** The tasks this process's handler modules declare, at start and after every reload: the runs it may take. */
  setTasks(tasks: readonly TaskInfo[]): void;
  /** Keeps one run until it is due. Throws at once when the store is closed. */
  schedule(run: RunRequest): ScheduledRun;
  /** A cron tick of `task`, scheduled for `at`. The next tick is skipped while the returned promise is pending. */
  cronTick(task: string, at: Date): Promise<void>;
  /** Stops taking runs; what becomes of runs still going is the store's to say. Called once, by the pool's close(). */
  close(): Promise<void>;
}
