/**
 * Scheduled and delayed tasks. A handler module declares them next to its services:
 *
 *   export const tasks = defineTasks({
 *     cleanup: { cron: '0 * * * * *', run: async (_payload, ctx) => { ... } },
 *     sendWelcome: { run: async (payload: { userId: string }, ctx) => { ... } },
 *   }, { service: users });
 *
 * and code anywhere (a handler in a worker, the main thread) enqueues a run with
 * `tasks.schedule('sendWelcome', { userId }, { delayMs: 60_000 })`. Runs happen in the pool, with
 * the context handlers get (signal, logger, emit, nested calls) and the same error handling; until
 * they are due they wait in the pool's task store (task-store.ts: in memory, or in JetStream).
 * Cron patterns are croner's: 5 fields (minute first) or 6 (seconds first).
 */
import type { ServiceContract } from '../contract/index.js';
import type { HandlerContext } from '../core/context.js';
import type { ScheduleOptions, ScheduledRun } from './handle.js';

export interface TaskDefinition<P = unknown> {
  /** Run on this schedule (croner syntax); without it the task only runs when scheduled. */
  cron?: string;
  /** IANA time zone for `cron` (default: the server's). */
  timezone?: string;
  /** Deadline of one run; `ctx.signal` aborts after it (default: the pool's taskTimeoutMs, 60 s). */
  timeoutMs?: number;
  /** The work. `payload` is what `schedule()` was given (undefined for cron runs). */
  run(payload: P, ctx: HandlerContext): unknown;
}

type PayloadOf<D> = D extends TaskDefinition<infer P> ? P : never;

export interface TaskSet<T extends Record<string, TaskDefinition<any>> = Record<string, TaskDefinition<any>>> {
  readonly kind: 'task-set';
  readonly tasks: Readonly<T>;
  /** The service whose events the tasks emit with `ctx.emit` (optional). */
  readonly service: ServiceContract | undefined;
  /** Runs task `name` in the pool after `delayMs`, through the task store. Works in pool workers and on the main thread. */
  schedule<K extends keyof T & string>(name: K, payload: PayloadOf<T[K]>, options?: ScheduleOptions): ScheduledRun;
}

export function defineTasks<T extends Record<string, TaskDefinition<any>>>(tasks: T, options: { service?: ServiceContract } = {}): TaskSet<T> {
  for (const [name, task] of Object.entries(tasks)) {
    if (typeof task?.run !== 'function') throw new TypeError(`task '${name}' has no run() function`);
  }
  return Object.freeze({
    kind: 'task-set' as const,
    tasks: Object.freeze({ ...tasks }),
    service: options.service,
    schedule: (name: string, payload: unknown, scheduleOptions?: ScheduleOptions) => scheduleTask(name, payload, scheduleOptions),
  }) as TaskSet<T>;
}

export function isTaskSet(value: unknown): value is TaskSet {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'task-set';
}

/** Every TaskSet a module exports. */
export function taskSetsOf(mod: Record<string, unknown>): TaskSet[] {
  return [...new Set(Object.values(mod).filter(isTaskSet))];
}

export type TaskScheduler = (name: string, payload: unknown, options?: ScheduleOptions) => ScheduledRun;

let scheduler: TaskScheduler | undefined;

/** Installed by the pool (main thread: the last pool created) and by each pool worker. */
export function setTaskScheduler(next: TaskScheduler): void {
  scheduler = next;
}

/** Uninstalls `current` (a closing pool), unless another pool has installed its own since. */
export function clearTaskScheduler(current: TaskScheduler): void {
  if (scheduler === current) scheduler = undefined;
}

export function scheduleTask(name: string, payload: unknown, options?: ScheduleOptions): ScheduledRun {
  if (!scheduler) throw new Error(`cannot schedule task '${name}': no worker pool runs in this process`);
  return scheduler(name, payload, options);
}
