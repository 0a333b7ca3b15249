/**
 * The NATS transport's gauges and counters (docs/operations.md), read at scrape time and removed
 * when the transport stops.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Dispatcher } from '../../core/dispatcher.js';
import { metricsOf } from '../../observability/server-telemetry.js';

/** What the metrics read, from the running transport. */
export interface NatsMetricSources {
  nc: NatsConnection;
  connected(): boolean;
  reconnects(): number;
  /** Calls and streams that came in over NATS and run here now. */
  callsInFlight(): number;
  /** Calls this process routed to other processes over NATS, not answered yet. */
  routedCalls(): number;
  /** Call subjects this process answers (versioned and latest, in the queue group). */
  callSubscriptions(): number;
}

/** Registers the metrics when the server has metrics on; returns the function that removes them. */
export function registerNatsMetrics(dispatcher: Dispatcher, sources: NatsMetricSources): () => void {
  const metrics = metricsOf(dispatcher);
  if (!metrics) return () => undefined;
  const both = (inValue: number, outValue: number) => [[{ direction: 'in' }, inValue] as const, [{ direction: 'out' }, outValue] as const];
  const removers = [
    metrics.gauge({ name: 'accord_nats_connected', help: '1 while the transport is connected to NATS, else 0.', read: () => (sources.connected() ? 1 : 0) }),
    metrics.gauge({ name: 'accord_nats_calls_in_flight', help: 'Calls and streams received over NATS that run in this process now.', read: sources.callsInFlight }),
    metrics.gauge({ name: 'accord_nats_routed_calls_pending', help: 'Calls routed to other processes over NATS that wait for their answer.', read: sources.routedCalls }),
    metrics.gauge({ name: 'accord_nats_call_subscriptions', help: 'Call subjects this process answers in the queue group.', read: sources.callSubscriptions }),
    metrics.counter({ name: 'accord_nats_reconnects_total', help: 'Reconnections to NATS.', read: sources.reconnects }),
    metrics.counter({ name: 'accord_nats_messages_total', help: 'Messages over the NATS connection, by direction.', labelNames: ['direction'], read: () => {
      const stats = sources.nc.stats();
      return both(stats.inMsgs, stats.outMsgs);
    } }),
    metrics.counter({ name: 'accord_nats_bytes_total', help: 'Payload bytes over the NATS connection, by direction.', labelNames: ['direction'], read: () => {
      const stats = sources.nc.stats();
      return both(stats.inBytes, stats.outBytes);
    } }),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}
