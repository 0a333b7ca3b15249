/**
 * The default task store: a timer per delayed run, in this process's main thread. Runs survive
 * worker crashes and reloads (the timers are not in workers) but not a restart of the process:
 * a delayed run runs at most once. A failed run is logged and not retried. Cron ticks run here.
 */
import type { ScheduledRun } from './handle.js';
import { nextRunId } from './scheduler.js';
import type { RunRequest, TaskHost, TaskStore } from './task-store.js';

export class MemoryTaskStore implements TaskStore {
  readonly kind = 'memory';
  #host: TaskHost | undefined;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #closed = false;

  get waiting(): number {
    return this.#timers.size;
  }

  open(host: TaskHost): Promise<void> {
    this.#host = host;
    return Promise.resolve();
  }

  setTasks(): void {
    // Every run is this process's own; nothing to take from elsewhere.
  }

  schedule(run: RunRequest): ScheduledRun {
    if (this.#closed || !this.#host) throw new Error(`cannot schedule task '${run.task}': the pool is closed`);
    const timer = setTimeout(() => {
      this.#timers.delete(run.id);
      void this.#run(run.task, run.payload, run.id);
    }, Math.max(0, run.dueAt - Date.now()));
    this.#timers.set(run.id, timer);
    this.#host.counters.scheduled(run.task);
    return {
      id: run.id,
      stored: Promise.resolve(),
      cancel: () => {
        const pending = this.#timers.get(run.id);
        if (pending === undefined) return false;
        clearTimeout(pending);
        this.#timers.delete(run.id);
        return true;
      },
    };
  }

  cronTick(task: string): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#host?.counters.scheduled(task);
    return this.#run(task, undefined, nextRunId(task));
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    return Promise.resolve();
  }

  #run(task: string, payload: unknown, runId: string): Promise<void> {
    const host = this.#host!;
    return host.run(task, payload, runId).catch((error: unknown) => host.logger.error({ task, runId, err: error }, 'pool: task failed'));
  }
}
