/** The worker pool's gauges and counter, read from `stats()` at scrape time. */
import type { PoolStats } from '../pool/handle.js';
import type { AccordMetrics } from './metrics.js';

/** Registers the pool's metrics; returns the function that removes them. */
export function registerPoolMetrics(metrics: AccordMetrics, stats: () => PoolStats): () => void {
  const removers = [
    metrics.gauge({ name: 'accord_pool_queue_length', help: 'Calls waiting for a pool worker.', read: () => stats().queued }),
    metrics.gauge({
      name: 'accord_pool_workers',
      help: 'Pool worker threads, by state (starting, ready, draining after a reload).',
      labelNames: ['state'],
      read: () => {
        const counts = { starting: 0, ready: 0, draining: 0 };
        for (const worker of stats().workers) counts[worker.state]++;
        return Object.entries(counts).map(([state, n]) => [{ state }, n] as const);
      },
    }),
    metrics.gauge({ name: 'accord_pool_workers_busy', help: 'Pool workers running at least one call.', read: () => stats().workers.filter((w) => w.inFlight > 0).length }),
    metrics.gauge({ name: 'accord_pool_calls_in_flight', help: 'Calls running in pool workers.', read: () => stats().inFlight }),
    metrics.counter({ name: 'accord_pool_worker_replacements_total', help: 'Pool workers replaced after a crash or an ignored abort.', read: () => stats().replaced }),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}
