/**
 * The call metrics as prom-client metrics, read from CallMetrics' cells when Prometheus scrapes:
 * prom-client formats them (text or OpenMetrics) with every other metric in the registry.
 *
 * - `rpc_server_calls_total`, `rpc_server_errors_total` (counters): prom-client Counters whose
 *   `collect()` copies the cells' totals in.
 * - `rpc_server_active_calls` (gauge): the same, from the in-flight counts.
 * - `rpc_server_duration_seconds` (histogram): a metric object of our own in prom-client's shape
 *   (`get()` returning name, help, type and values), since a prom-client Histogram can only be fed
 *   one observation at a time.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { OK } from '../core/call-telemetry.js';
import type { CallMetrics } from './call-metrics.js';

const CALL_LABELS = ['rpc_system', 'rpc_service', 'accord_service_version', 'rpc_method', 'accord_transport'];
const OUTCOME_LABELS = [...CALL_LABELS, 'rpc_response_status_code'];

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** A histogram prom-client's registry can format, whose buckets come from the cells. */
class CellHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames = OUTCOME_LABELS;

  constructor(readonly name: string, readonly help: string, private readonly calls: CallMetrics) {}

  async get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    const values: MetricValue[] = [];
    const bounds = this.calls.bounds;
    for (const route of this.calls.routes()) {
      for (const cell of route.outcomes.values()) {
        let cumulative = 0;
        for (let i = 0; i < bounds.length; i++) {
          cumulative += cell.counts[i];
          values.push({ labels: { ...cell.labels, le: bounds[i] }, value: cumulative, metricName: `${this.name}_bucket` });
        }
        values.push({ labels: { ...cell.labels, le: '+Inf' }, value: cell.calls, metricName: `${this.name}_bucket` });
        values.push({ labels: { ...cell.labels }, value: cell.sum, metricName: `${this.name}_sum` });
        values.push({ labels: { ...cell.labels }, value: cell.calls, metricName: `${this.name}_count` });
      }
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The registry's resetMetrics(): the cells are the source of truth, so nothing to do. */
  reset(): void {}
}

/** Registers the rpc_server_* metrics of `calls` in `registry`; returns the function that removes them. */
export function exportCallMetrics(calls: CallMetrics, registry: Registry): () => void {
  new Counter({
    name: 'rpc_server_calls_total',
    help: 'RPC calls this server answered, by service, version, method, transport and result code (OK or the error code).',
    labelNames: OUTCOME_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const route of calls.routes()) for (const cell of route.outcomes.values()) if (cell.calls > 0) this.inc(cell.labels, cell.calls);
    },
  });
  new Counter({
    name: 'rpc_server_errors_total',
    help: 'RPC calls this server answered with an error, by service, version, method, transport and error code.',
    labelNames: OUTCOME_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const route of calls.routes()) {
        for (const [code, cell] of route.outcomes) if (code !== OK && cell.calls > 0) this.inc(cell.labels, cell.calls);
      }
    },
  });
  new Gauge({
    name: 'rpc_server_active_calls',
    help: 'RPC calls in flight (their handler is running), by service, version, method and transport.',
    labelNames: CALL_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const route of calls.routes()) this.set(route.labels, route.inFlight);
    },
  });
  const duration = new CellHistogram('rpc_server_duration_seconds', 'Duration of RPC calls on this server, from receipt to answer, in seconds.', calls);
  registry.registerMetric(duration as unknown as Parameters<Registry['registerMetric']>[0]);
  return () => {
    for (const name of ['rpc_server_calls_total', 'rpc_server_errors_total', 'rpc_server_active_calls', duration.name]) registry.removeSingleMetric(name);
  };
}
