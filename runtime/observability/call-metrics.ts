/**
 * The per-call numbers behind the `rpc_server_*` metrics, kept in plain fields that a call updates
 * without allocating: one cell per method and transport (in-flight count) and one per result code
 * under it (count, sum, histogram buckets). prom-client's own `labels(...).observe()` hashes a label
 * object on every call; here the label objects are built once per cell and read only at scrape time
 * (prometheus-export.ts).
 *
 * Names callers send are not trusted as label values: a method this server does not serve is
 * `_OTHER` (an unknown service too), as the OpenTelemetry RPC conventions do.
 */
import type { ServiceContract } from '../contract/index.js';
import type { ActiveCall } from '../core/active-call.js';
import { monotonicNow, OK } from '../core/call-telemetry.js';
import type { CallEnvelope } from '../core/envelope.js';
import type { AccordError } from '../core/errors.js';
import type { ResolvedMethod } from '../core/service-table.js';

export const RPC_SYSTEM = 'accord';
export const OTHER = '_OTHER';
export const UNKNOWN_TRANSPORT = 'unknown';

/** Seconds; finer than prom-client's defaults at the low end, where in-process calls are. */
export const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Distinct routed method names kept as labels before the rest are counted as `_OTHER`. */
const MAX_ROUTED_NAMES = 256;

export type Labels = Readonly<Record<string, string>>;

/** One result code of one method and transport. */
export class OutcomeCell {
  calls = 0;
  sum = 0;
  /** Per bucket, not cumulative; the last slot is +Inf. */
  readonly counts: Float64Array;

  constructor(readonly labels: Labels, buckets: number) {
    this.counts = new Float64Array(buckets + 1);
  }

  observe(seconds: number, bounds: readonly number[]): void {
    this.calls++;
    this.sum += seconds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]) i++;
    this.counts[i]++;
  }
}

/** One method on one transport. */
export class RouteCell {
  inFlight = 0;
  readonly outcomes = new Map<string, OutcomeCell>();
  /** The OK cell, most calls' outcome, without a map lookup. */
  #ok: OutcomeCell | undefined;

  constructor(readonly labels: Labels, readonly buckets: number) {}

  outcome(code: string): OutcomeCell {
    if (code === OK && this.#ok !== undefined) return this.#ok;
    let cell = this.outcomes.get(code);
    if (cell === undefined) {
      cell = new OutcomeCell({ ...this.labels, rpc_response_status_code: code }, this.buckets);
      this.outcomes.set(code, cell);
    }
    if (code === OK) this.#ok = cell;
    return cell;
  }
}

/** One method, by transport. */
class MethodCells {
  readonly byTransport = new Map<string, RouteCell>();

  constructor(readonly service: string, readonly version: string, readonly method: string) {}
}

export class CallMetrics {
  readonly bounds: readonly number[];
  readonly #served = new Map<ResolvedMethod, MethodCells>();
  readonly #named = new Map<string, MethodCells>();
  readonly #all: MethodCells[] = [];
  readonly #services = new Map<string, Set<number>>();
  readonly #routedNames = new Set<string>();

  constructor(buckets: readonly number[] = DEFAULT_BUCKETS) {
    this.bounds = [...buckets].sort((a, b) => a - b);
  }

  /** Services whose names may appear as labels of calls that failed before a method was found. */
  know(services: readonly ServiceContract[]): void {
    for (const s of services) {
      let versions = this.#services.get(s.name);
      if (!versions) this.#services.set(s.name, (versions = new Set()));
      versions.add(s.version);
    }
  }

  open(call: ActiveCall): void {
    const cell = this.#route(this.#ofTarget(call.target), call.transport);
    cell.inFlight++;
    call.statsCell = cell;
  }

  close(call: ActiveCall, error: AccordError | undefined): void {
    const cell = call.statsCell as RouteCell;
    cell.inFlight--;
    cell.outcome(error === undefined ? OK : error.code).observe((monotonicNow() - call.startedAt) / 1000, this.bounds);
  }

  refused(envelope: CallEnvelope, target: ResolvedMethod | undefined, error: AccordError, startedAt: number): void {
    const method = target ? this.#ofTarget(target) : this.#ofUnknown(envelope);
    this.#route(method, envelope.transport).outcome(error.code).observe((monotonicNow() - startedAt) / 1000, this.bounds);
  }

  routed(envelope: CallEnvelope, error: AccordError | undefined, startedAt: number): void {
    const version = envelope.version === undefined ? OTHER : String(envelope.version);
    const key = `${envelope.service}\u0000${version}\u0000${envelope.method}`;
    if (!this.#routedNames.has(key) && this.#routedNames.size < MAX_ROUTED_NAMES) this.#routedNames.add(key);
    const known = this.#routedNames.has(key);
    const method = known ? this.#ofName(envelope.service, version, envelope.method) : this.#ofName(OTHER, OTHER, OTHER);
    this.#route(method, envelope.transport).outcome(error === undefined ? OK : error.code).observe((monotonicNow() - startedAt) / 1000, this.bounds);
  }

  /** Every cell, for the exporters. */
  *routes(): Iterable<RouteCell> {
    for (const method of this.#all) yield* method.byTransport.values();
  }

  #ofTarget(target: ResolvedMethod): MethodCells {
    let cells = this.#served.get(target);
    if (cells === undefined) {
      cells = this.#ofName(target.service.name, String(target.service.version), target.name);
      this.#served.set(target, cells);
    }
    return cells;
  }

  /** A call for a service, version or method not served here (UNIMPLEMENTED): bucketed. */
  #ofUnknown(envelope: CallEnvelope): MethodCells {
    const versions = this.#services.get(envelope.service);
    if (!versions) return this.#ofName(OTHER, OTHER, OTHER);
    const version = envelope.version !== undefined && versions.has(envelope.version) ? String(envelope.version) : OTHER;
    return this.#ofName(envelope.service, version, OTHER);
  }

  #ofName(service: string, version: string, method: string): MethodCells {
    const key = `${service}\u0000${version}\u0000${method}`;
    let cells = this.#named.get(key);
    if (cells === undefined) {
      cells = new MethodCells(service, version, method);
      this.#named.set(key, cells);
      this.#all.push(cells);
    }
    return cells;
  }

  #route(method: MethodCells, transport: string | undefined): RouteCell {
    const name = transport ?? UNKNOWN_TRANSPORT;
    let cell = method.byTransport.get(name);
    if (cell === undefined) {
      cell = new RouteCell({
        rpc_system: RPC_SYSTEM, rpc_service: method.service, accord_service_version: method.version, rpc_method: method.method, accord_transport: name,
      }, this.bounds.length);
      method.byTransport.set(name, cell);
    }
    return cell;
  }
}
