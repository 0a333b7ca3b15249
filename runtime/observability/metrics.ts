/**
 * A server's metrics: a prom-client Registry holding the call metrics (rpc_server_*), the process
 * metrics prom-client collects by default, and gauges and counters that transports and the pool
 * register here. Everything but the per-call numbers is read at scrape time, so a transport adds a
 * metric with one call and pays nothing between scrapes:
 *
 *   const remove = metricsOf(dispatcher)?.gauge({
 *     name: 'accord_mesh_links', help: 'Mesh links up.', read: () => node.links.size,
 *   });
 *   // on stop: remove?.()
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { CircuitBreaker, CircuitWatcher } from '../core/circuit-breaker.js';
import { CallMetrics, DEFAULT_BUCKETS } from './call-metrics.js';
import { watchCircuit } from './circuit-metrics.js';
import { exportCallMetrics } from './prometheus-export.js';

export interface MetricsOptions {
  /** Where the metrics go (default: a registry of their own, so several servers in one process do not collide). */
  registry?: Registry;
  /** prom-client's process and Node.js metrics (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`...). Default true. */
  defaultMetrics?: boolean;
  /** Upper bounds of the duration histogram, in seconds. */
  buckets?: number[];
}

/** A value read at scrape time: one number, or one per label set. */
export type MetricReading = number | ReadonlyArray<readonly [Readonly<Record<string, string>>, number]>;

export interface ScrapedMetricSpec {
  /** Prometheus name (`accord_<transport>_<what>`, counters ending in `_total`). */
  name: string;
  help: string;
  /** Label names of the values `read` returns (none for a single number). */
  labelNames?: string[];
  read(): MetricReading;
}

interface Source {
  metric: Gauge | Counter;
  reads: Set<() => MetricReading>;
}

export class AccordMetrics implements CircuitWatcher {
  readonly registry: Registry;
  readonly calls: CallMetrics;
  readonly #sources = new Map<string, Source>();

  constructor(options: MetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    this.calls = new CallMetrics(options.buckets ?? DEFAULT_BUCKETS);
    exportCallMetrics(this.calls, this.registry);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The text Prometheus scrapes. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * A gauge whose value `spec.read()` gives at scrape time. Several sources may share a name (two
   * WS listeners): their readings are added per label set. Returns the function that removes this source.
   */
  gauge(spec: ScrapedMetricSpec): () => void {
    return this.#add(spec, 'gauge');
  }

  /** A counter whose running total (kept by the caller, never decreasing) `spec.read()` gives at scrape time. */
  counter(spec: ScrapedMetricSpec): () => void {
    return this.#add(spec, 'counter');
  }

  /** Reports a client circuit breaker (`accord_client_circuit_*`): what `circuit: { metrics }` on a client transport calls. */
  watchCircuit(breaker: CircuitBreaker): () => void {
    return watchCircuit(this, breaker);
  }

  #add(spec: ScrapedMetricSpec, type: 'gauge' | 'counter'): () => void {
    let source = this.#sources.get(spec.name);
    if (!source) {
      const reads = new Set<() => MetricReading>();
      const config = {
        name: spec.name,
        help: spec.help,
        labelNames: spec.labelNames ?? [],
        registers: [this.registry],
        collect(this: Gauge | Counter) {
          this.reset();
          const sums = new Map<string, { labels: Readonly<Record<string, string>>; value: number }>();
          for (const read of reads) {
            const reading = read();
            const rows = typeof reading === 'number' ? [[{}, reading] as const] : reading;
            for (const [labels, value] of rows) {
              const key = JSON.stringify(labels);
              const row = sums.get(key);
              if (row) row.value += value;
              else sums.set(key, { labels, value });
            }
          }
          for (const { labels, value } of sums.values()) {
            if (this instanceof Gauge) this.set(labels, value);
            else if (value > 0) this.inc(labels, value);
          }
        },
      };
      source = { metric: type === 'gauge' ? new Gauge(config) : new Counter(config), reads };
      this.#sources.set(spec.name, source);
    }
    const read = () => spec.read();
    source.reads.add(read);
    return () => {
      const current = this.#sources.get(spec.name);
      if (!current?.reads.delete(read) || current.reads.size > 0) return;
      this.#sources.delete(spec.name);
      this.registry.removeSingleMetric(spec.name);
    };
  }
}
