/** Task metrics, read from the pool's task stats at scrape time (docs/pool.md, docs/operations.md). */
import type { AccordMetrics } from '../observability/metrics.js';
import type { TaskStats } from './handle.js';
import type { TaskCounts } from './task-counters.js';

/** Registers the task counters and gauges; returns the function that removes them. */
export function registerTaskMetrics(metrics: Pick<AccordMetrics, 'gauge' | 'counter'>, stats: () => TaskStats): () => void {
  const perTask = (field: keyof TaskCounts) => () => Object.entries(stats().byTask).map(([task, counts]) => [{ task }, counts[field]] as const);
  const removers = [
    metrics.counter({ name: 'accord_tasks_scheduled_total', help: 'Task runs this process stored (delayed, immediate, cron ticks).', labelNames: ['task'], read: perTask('scheduled') }),
    metrics.counter({
      name: 'accord_tasks_runs_total',
      help: 'Task run attempts that ended in this process, by outcome (ok, failed).',
      labelNames: ['task', 'outcome'],
      read: () => Object.entries(stats().byTask).flatMap(([task, counts]) => [[{ task, outcome: 'ok' }, counts.succeeded] as const, [{ task, outcome: 'failed' }, counts.failed] as const]),
    }),
    metrics.counter({ name: 'accord_tasks_dead_total', help: 'Task runs given up after their last attempt.', labelNames: ['task'], read: perTask('dead') }),
    metrics.gauge({ name: 'accord_tasks_running', help: 'Task run attempts running in this process.', read: () => stats().running }),
    metrics.gauge({ name: 'accord_tasks_waiting', help: "Delayed task runs waiting in this process's memory (memory store only).", read: () => stats().waiting }),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}
