/**
 * Metrics of client circuit breakers (core/circuit-breaker.ts), read at scrape time like the
 * transports' gauges: which state each target's circuit is in, how often it opened, and how many
 * calls it failed at once. A client reports here when given `circuit: { metrics }`.
 */
import type { CircuitBreaker } from '../core/circuit-breaker.js';
import type { AccordMetrics } from './metrics.js';

const STATES = ['closed', 'open', 'half-open'] as const;

/** Registers `breaker`'s metrics, labelled with its target; returns the function that removes them. */
export function watchCircuit(metrics: AccordMetrics, breaker: CircuitBreaker): () => void {
  const target = breaker.target;
  const removers = [
    metrics.gauge({
      name: 'accord_client_circuit_state',
      help: 'State of a client target\'s circuit breaker: 1 for the state it is in (closed, open, half_open), 0 for the others.',
      labelNames: ['target', 'state'],
      read: () => {
        const now = breaker.state;
        return STATES.map((state) => [{ target, state: state.replace('-', '_') }, state === now ? 1 : 0] as const);
      },
    }),
    metrics.counter({
      name: 'accord_client_circuit_opens_total',
      help: 'Times a client target\'s circuit breaker opened.',
      labelNames: ['target'],
      read: () => [[{ target }, breaker.opens]],
    }),
    metrics.counter({
      name: 'accord_client_circuit_rejections_total',
      help: 'Calls failed at once, with no network attempt, while their target\'s circuit was open.',
      labelNames: ['target'],
      read: () => [[{ target }, breaker.rejections]],
    }),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}
