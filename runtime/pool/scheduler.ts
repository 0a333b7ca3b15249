/**
 * The main-thread side of tasks: cron schedules (croner) for the tasks the current workers declare,
 * and timers for delayed runs. Both only decide *when*; the pool runs each run in a worker. Timers
 * live here, not in workers, so a delayed run survives a worker crash or a reload.
 */
import { Cron } from 'croner';
import type { Logger } from '../core/logger.js';
import type { ScheduledRun } from './handle.js';
import type { TaskInfo } from './protocol.js';

export type RunTask = (name: string, payload: unknown, runId: string) => Promise<void>;

let runSequence = 0;

export function nextRunId(name: string): string {
  runSequence = (runSequence + 1) >>> 0;
  return `task-${name}-${runSequence.toString(36)}`;
}

export class TaskScheduler {
  readonly #run: RunTask;
  readonly #logger: () => Logger;
  #crons: Cron[] = [];
  readonly #delayed = new Map<string, ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(run: RunTask, logger: () => Logger) {
    this.#run = run;
    this.#logger = logger;
  }

  /** Replaces the cron schedules with those of `tasks` (after the first start and every reload). */
  setCronTasks(tasks: TaskInfo[]): void {
    this.#stopCrons();
    if (this.#closed) return;
    for (const task of tasks) {
      if (!task.cron) continue;
      try {
        // protect: a run still going when the next is due is skipped, not stacked.
        this.#crons.push(new Cron(task.cron, { timezone: task.timezone, protect: true, unref: true, name: undefined }, () => this.#run(task.name, undefined, nextRunId(task.name))));
      } catch (error) {
        this.#logger().error({ task: task.name, cron: task.cron, err: error }, 'cannot schedule task');
      }
    }
  }

  /** A run of `name` after `delayMs`. */
  delay(name: string, payload: unknown, delayMs: number): ScheduledRun {
    if (this.#closed) throw new Error(`cannot schedule task '${name}': the pool is closed`);
    const id = nextRunId(name);
    const timer = setTimeout(() => {
      this.#delayed.delete(id);
      void this.#run(name, payload, id);
    }, Math.max(0, delayMs));
    this.#delayed.set(id, timer);
    return {
      id,
      cancel: () => {
        const pending = this.#delayed.get(id);
        if (pending === undefined) return false;
        clearTimeout(pending);
        this.#delayed.delete(id);
        return true;
      },
    };
  }

  get pendingRuns(): number {
    return this.#delayed.size;
  }

  close(): void {
    this.#closed = true;
    this.#stopCrons();
    for (const timer of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
  }

  #stopCrons(): void {
    for (const cron of this.#crons) cron.stop();
    this.#crons = [];
  }
}
