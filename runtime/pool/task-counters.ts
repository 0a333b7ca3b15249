/**
 * What happened to the runs of each task in this process: scheduled, succeeded, failed (one per
 * failed attempt), dead (given up after the last attempt). Read by `pool.stats().tasks` and by
 * the task metrics (task-metrics.ts). Task names are those the handler modules declare, so the
 * table stays small.
 */
export interface TaskCounts {
  /** Runs this process put into the task store (delayed, immediate, and cron ticks it was first to store). */
  scheduled: number;
  /** Attempts that succeeded here. */
  succeeded: number;
  /** Attempts that failed here (a run retried three times counts three). */
  failed: number;
  /** Runs this process gave up on after their last attempt. */
  dead: number;
}

export class TaskCounters {
  readonly #byTask = new Map<string, TaskCounts>();
  /** Attempts running in this process now. */
  running = 0;

  scheduled(task: string): void {
    this.#of(task).scheduled++;
  }

  succeeded(task: string): void {
    this.#of(task).succeeded++;
  }

  failed(task: string): void {
    this.#of(task).failed++;
  }

  dead(task: string): void {
    this.#of(task).dead++;
  }

  /** A copy, by task name. */
  snapshot(): Record<string, TaskCounts> {
    const out: Record<string, TaskCounts> = {};
    for (const [task, counts] of this.#byTask) out[task] = { ...counts };
    return out;
  }

  #of(task: string): TaskCounts {
    let counts = this.#byTask.get(task);
    if (!counts) this.#byTask.set(task, (counts = { scheduled: 0, succeeded: 0, failed: 0, dead: 0 }));
    return counts;
  }
}
