/**
 * The health and readiness model, shared by every transport that exposes it (HTTP `/healthz` and
 * `/readyz`, mesh handshakes). The server (runtime/server) registers a source for its dispatcher;
 * a transport, which only ever sees the dispatcher, asks `healthOf(dispatcher)`.
 *
 * - live: the process is up and its event loop answers (false only once stopped).
 * - ready: started, not draining, every transport listening: a load balancer may send traffic.
 */
export type ServerState = 'created' | 'starting' | 'ready' | 'draining' | 'stopped';

export interface HealthReport {
  state: ServerState;
  live: boolean;
  ready: boolean;
  /** Milliseconds since start() completed (0 before). */
  uptimeMs: number;
  /** Served services as `name.vN`. */
  services: string[];
  transports: Array<{ name: string; url?: string }>;
  /** Whether handlers marked `runs: 'pool'` run in a worker pool. */
  pool: boolean;
}

export type HealthSource = () => HealthReport;

const sources = new WeakMap<object, HealthSource>();

/** Called by the server that owns `dispatcher`. */
export function registerHealth(dispatcher: object, source: HealthSource): void {
  sources.set(dispatcher, source);
}

/** The health of the server behind `dispatcher`; a bare dispatcher (no server) reports itself ready. */
export function healthOf(dispatcher: object): HealthReport {
  const source = sources.get(dispatcher);
  if (source) return source();
  return { state: 'ready', live: true, ready: true, uptimeMs: 0, services: [], transports: [], pool: false };
}
