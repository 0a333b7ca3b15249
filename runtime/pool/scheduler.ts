/**
 * When cron tasks are due: croner schedules, on the main thread, for the cron tasks the current
 * workers declare. A tick only says "task X is due, for the time T it was scheduled at"; the task
 * store decides what that means (run it here, or store it once for the whole deployment).
 */
import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from '../core/logger.js';
import type { TaskInfo } from './protocol.js';

export type CronTick = (task: string, at: Date) => Promise<void>;

let runSequence = 0;
// Random per process: ids stay unique across the processes of a deployment and across restarts,
// which a shared store needs (JetStream drops a message whose id it saw within its duplicate window).
const processTag = randomBytes(6).toString('base64url');

/** A new run id, unique across processes. */
export function nextRunId(name: string): string {
  runSequence = (runSequence + 1) >>> 0;
  return `task-${name}-${processTag}${runSequence.toString(36)}`;
}

export class CronSchedule {
  readonly #tick: CronTick;
  readonly #logger: () => Logger;
  #crons: Cron[] = [];
  #stopped = false;

  constructor(tick: CronTick, logger: () => Logger) {
    this.#tick = tick;
    this.#logger = logger;
  }

  /** Replaces the schedules with those of `tasks` (after the first start and every reload). */
  set(tasks: readonly TaskInfo[]): void {
    this.#clear();
    if (this.#stopped) return;
    for (const task of tasks) {
      if (!task.cron) continue;
      try {
        // protect: a tick whose previous one is still being handled is skipped, not stacked.
        this.#crons.push(new Cron(task.cron, { timezone: task.timezone, protect: true, unref: true }, (self) => this.#tick(task.name, scheduledTime(self))));
      } catch (error) {
        this.#logger().error({ task: task.name, cron: task.cron, err: error }, 'cannot schedule task');
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#clear();
  }

  #clear(): void {
    for (const cron of this.#crons) cron.stop();
    this.#crons = [];
  }
}

/**
 * The time this tick was scheduled for (croner passes none): the latest time the pattern matches,
 * up to now. Every process computes the same value for the same tick, which lets a shared store
 * keep one run per tick.
 */
function scheduledTime(cron: Cron): Date {
  return cron.previousRuns(1, new Date(Date.now() + 1_000))[0] ?? new Date(Math.floor(Date.now() / 1_000) * 1_000);
}
