/**
 * The worker-thread pool: `createPool({ modules })` runs the handler modules' `runs: 'pool'` methods
 * in worker threads (see docs/pool.md). Handler modules may also declare tasks with `defineTasks`,
 * and mark byte arrays to move rather than copy with `transferable`. Delayed runs and cron ticks
 * wait in a task store: `MemoryTaskStore` (the default), or one of your own (`TaskStore`).
 */
import type { PoolHandle, PoolOptions } from './handle.js';
import { WorkerPool } from './pool.js';

export type { PoolHandle, PoolOptions, PoolStats, ScheduleOptions, ScheduledRun, TaskStats } from './handle.js';
export type { TaskInfo } from './protocol.js';
export type { RunRequest, TaskHost, TaskStore } from './task-store.js';
export { MemoryTaskStore } from './memory-task-store.js';
export { TaskCounters, type TaskCounts } from './task-counters.js';
export { registerTaskMetrics } from './task-metrics.js';
export { defineTasks, isTaskSet, scheduleTask } from './tasks.js';
export type { TaskDefinition, TaskSet } from './tasks.js';
export { transferable } from './transfer.js';
export { importFresh, watchSources } from './reload.js';

/** Starts the workers (they load `modules`); `await handle.ready()` to wait for them. */
export function createPool(options: PoolOptions): PoolHandle {
  return new WorkerPool(options);
}
