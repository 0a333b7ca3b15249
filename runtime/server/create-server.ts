/**
 * createServer(): one dispatcher behind the transports the config names, with the worker pool for
 * `runs: 'pool'` methods, and a lifecycle: start, stop (drain every transport, then close the
 * pool), reload (fresh pool workers) and a health/readiness report the transports can ask for.
 */
import { serviceKey } from '../contract/index.js';
import type { ContextHooks } from '../core/context.js';
import { Dispatcher } from '../core/dispatcher.js';
import { InlineExecutor, type Executor } from '../core/executor.js';
import { registerHealth, type HealthReport, type ServerState } from '../core/health.js';
import { createLogger, type Logger } from '../core/logger.js';
import { startMetricsListener, type MetricsListener } from '../observability/metrics-listener.js';
import type { AccordMetrics } from '../observability/metrics.js';
import { registerPoolMetrics } from '../observability/pool-metrics.js';
import { serverTelemetry } from '../observability/server-telemetry.js';
import type { PoolHandle } from '../pool/handle.js';
import { registerTaskMetrics } from '../pool/task-metrics.js';
import type { TaskStore } from '../pool/task-store.js';
import { ConfigError, isTransportObject, validateConfig, type AccordConfig, type MetricsConfig } from './config.js';
import { loadServices, type LoadedService } from './services.js';
import { planTransports, type PlannedTransport, type StartedTransport } from './transports.js';

export interface AccordServer {
  readonly dispatcher: Dispatcher;
  /** The pino logger shared by fastify, the runtime and handlers. */
  readonly logger: Logger;
  /** Prometheus metrics (add your own to `metrics.registry`); undefined with `metrics: false`. */
  readonly metrics: AccordMetrics | undefined;
  readonly state: ServerState;
  /** Where each transport listens, by transport name (after start). */
  readonly urls: Record<string, string>;
  /** Started transports, in start order. */
  readonly transports: readonly StartedTransport[];
  start(): Promise<void>;
  /** Stops taking calls, drains every transport (up to `graceMs`), then closes the pool. Idempotent. */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Pool workers re-load their handler modules; in-flight calls finish on the old workers. */
  reload(): Promise<void>;
  health(): HealthReport;
}

export interface CreateServerOptions {
  /** The file the config came from, for error messages. */
  source?: string;
}

/** Loads the handler modules and builds the dispatcher and pool; `start()` opens the transports. */
export async function createServer(config: AccordConfig, options: CreateServerOptions = {}): Promise<AccordServer> {
  const source = options.source ?? 'config';
  validateConfig(config, source);
  const root = config.root ?? process.cwd();
  const logger = config.logger ?? createLogger({ level: config.logLevel ?? 'info', format: config.logFormat ?? 'json' });
  // Checked once, here: a tracing SDK must be registered before the server is created.
  const telemetry = serverTelemetry({
    metrics: config.metrics === false ? false : { registry: config.metrics?.registry, defaultMetrics: config.metrics?.defaultMetrics, buckets: config.metrics?.buckets },
    tracing: config.tracing ?? true,
  });
  const plan = planTransports(config.transports, root);
  const loaded = await loadServices(config.services, root);

  const pool = config.pool === false ? undefined : await openPool(config, loaded, logger, source);
  if (!pool && config.tasks?.store === 'nats') logger.warn({}, "tasks.store 'nats' has no effect: no worker pool runs in this process, so it runs no tasks");
  let dispatcher: Dispatcher;
  try {
    dispatcher = new Dispatcher({
      services: loaded.map((s) => s.bound),
      pool: pool ? poolExecutor(pool.handle, pool.keys, loaded) : undefined,
      authenticate: config.authenticate,
      guards: config.guards,
      middleware: config.middleware,
      validateOutput: config.validateOutput,
      defaultTimeoutMs: config.defaultTimeoutMs,
      maxHops: config.maxHops,
      nodeId: config.nodeId,
      contractCheck: config.contractCheck,
      logger,
      telemetry,
    });
  } catch (error) {
    await pool?.handle.close();
    throw error;
  }
  return new Server(dispatcher, logger, plan, pool?.handle, {
    graceMs: config.shutdownGraceMs ?? 10_000,
    drainDelayMs: config.drainDelayMs ?? 0,
    metrics: telemetry.metrics,
    metricsListener: telemetry.metrics ? metricsListenerOf(config.metrics || {}, plan, config.transports) : undefined,
  });
}

/** Where the standalone metrics listener listens: when asked for, and always when no HTTP transport serves /metrics. */
function metricsListenerOf(metrics: MetricsConfig, plan: PlannedTransport[], transports: AccordConfig['transports']): (MetricsConfig & { explicit: boolean }) | undefined {
  const http = plan.some((t) => t.name === 'http');
  if (http && metrics.port === undefined) return undefined;
  const httpOptions = transports?.http;
  const httpHost = typeof httpOptions === 'object' && httpOptions !== null && 'host' in httpOptions ? (httpOptions as { host?: string }).host : undefined;
  return { ...metrics, host: metrics.host ?? httpHost ?? '127.0.0.1', port: metrics.port ?? 9464, explicit: metrics.port !== undefined };
}

async function openPool(config: AccordConfig, loaded: LoadedService[], logger: Logger, source: string) {
  const usesPool = (s: LoadedService) => Object.values(s.bound.contract.methods).some((m) => m.runs === 'pool');
  const objects = loaded.filter((s) => !s.module && usesPool(s));
  if (objects.length > 0) {
    logger.warn({ services: objects.map((s) => serviceKey(s.bound.contract)) },
      "pool methods of services given as objects run inline; give their handler module path to run them in the pool");
  }
  const pooled = loaded.filter((s) => s.module && usesPool(s));
  if (pooled.length === 0) return undefined;
  // Every handler module, not only those with pool methods: a pool reload (SIGHUP, `pool.watch`)
  // then also swaps the inline handlers of all of them.
  const modules = [...new Set(loaded.filter((s) => s.module).map((s) => s.module!))];
  const { createPool } = await import('../pool/index.js');
  const taskStore = await taskStoreOf(config, source);
  const handle = createPool({ ...(config.pool || {}), modules, ...(taskStore ? { taskStore } : {}) });
  return { handle, keys: new Set(pooled.map((s) => serviceKey(s.bound.contract))) };
}

/** The task store `tasks` asks for (undefined: the pool's default, in memory). NATS code loads only when asked for. */
async function taskStoreOf(config: AccordConfig, source: string): Promise<TaskStore | undefined> {
  const { store = 'memory', ...options } = config.tasks ?? {};
  if (store !== 'nats') return undefined;
  const transport = config.transports?.nats;
  const transportOptions = typeof transport === 'object' && transport !== null && !isTransportObject(transport) ? transport : undefined;
  const { natsTaskStore, taskStoreOptionsOf } = await import('../transports/nats/index.js');
  try {
    return natsTaskStore(taskStoreOptionsOf(transportOptions, options));
  } catch (error) {
    throw new ConfigError(`${source}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/** The pool for services loaded from modules; inline for pool methods of services given as objects. */
function poolExecutor(handle: PoolHandle, pooled: Set<string>, loaded: LoadedService[]) {
  return (hooks: ContextHooks): Executor => {
    const workers = handle.executor(hooks);
    const inline = new InlineExecutor(loaded.map((s) => s.bound), hooks);
    const pick = (key: string) => (pooled.has(key) ? workers : inline);
    return {
      unary: (execution) => pick(serviceKey(execution.service)).unary(execution),
      stream: (execution) => pick(serviceKey(execution.service)).stream(execution),
      // The server closes the pool handle itself, after the transports have drained.
    };
  };
}

interface Lifecycle {
  graceMs: number;
  drainDelayMs: number;
  metrics: AccordMetrics | undefined;
  /** Options of the standalone metrics listener, when there is one (`explicit`: its port was configured). */
  metricsListener: (MetricsConfig & { explicit: boolean }) | undefined;
}

class Server implements AccordServer {
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  readonly metrics: AccordMetrics | undefined;
  #listener: MetricsListener | undefined;
  #removePoolMetrics: (() => void) | undefined;
  #state: ServerState = 'created';
  #startedAt = 0;
  #started: StartedTransport[] = [];
  #starting?: Promise<void>;
  #stopping?: Promise<void>;
  #closing?: Promise<void>;
  readonly #plan: PlannedTransport[];
  readonly #pool: PoolHandle | undefined;
  readonly #lifecycle: Lifecycle;

  constructor(dispatcher: Dispatcher, logger: Logger, plan: PlannedTransport[], pool: PoolHandle | undefined, lifecycle: Lifecycle) {
    this.dispatcher = dispatcher;
    this.logger = logger;
    this.metrics = lifecycle.metrics;
    this.#plan = plan;
    this.#pool = pool;
    this.#lifecycle = lifecycle;
    if (pool && this.metrics) {
      const removers = [registerPoolMetrics(this.metrics, () => pool.stats()), registerTaskMetrics(this.metrics, () => pool.stats().tasks)];
      this.#removePoolMetrics = () => removers.forEach((remove) => remove());
    }
    registerHealth(dispatcher, () => this.health());
  }

  get state(): ServerState {
    return this.#state;
  }

  get transports(): readonly StartedTransport[] {
    return this.#started;
  }

  get urls(): Record<string, string> {
    const urls: Record<string, string> = {};
    for (const t of this.#started) if (t.url) urls[t.name] = t.url;
    if (this.#listener) urls.metrics = this.#listener.url;
    return urls;
  }

  start(): Promise<void> {
    if (this.#stopping) return Promise.reject(new Error('the server was stopped; create a new one'));
    return (this.#starting ??= this.#start());
  }

  async #start(): Promise<void> {
    this.#state = 'starting';
    const byName = new Map<string, StartedTransport>();
    try {
      // Workers load the handler modules first: a server that cannot run them should not take traffic.
      if (this.#pool) {
        await this.#pool.ready().catch((error: unknown) => {
          throw new Error(`the worker pool failed to start: ${(error as Error)?.message ?? String(error)}`, { cause: error });
        });
      }
      for (const planned of this.#plan) {
        const transport = await planned.build(byName);
        try {
          await transport.start(this.dispatcher);
        } catch (error) {
          throw new Error(`the ${planned.name} transport failed to start: ${(error as Error)?.message ?? String(error)}`, { cause: error });
        }
        this.#started.push(transport);
        byName.set(planned.name, transport);
      }
      const listener = this.#lifecycle.metricsListener;
      if (listener && this.metrics) {
        try {
          this.#listener = await startMetricsListener({ metrics: this.metrics, health: () => this.health(), host: listener.host, port: listener.port, path: listener.path });
        } catch (error) {
          const why = (error as Error)?.message ?? String(error);
          // A port asked for must work; the default one may be taken by another node on this machine.
          if (listener.explicit) throw new Error(`the metrics listener failed to start: ${why}`, { cause: error });
          this.logger.warn({ err: error, port: listener.port }, 'no metrics listener: the default port is taken; set metrics.port (ACCORD_METRICS_PORT) to serve /metrics');
        }
      }
    } catch (error) {
      // Close whatever did start; the server is finished (stop() then only waits for that).
      this.#stopping ??= this.#shutdown(0).catch(() => undefined);
      await this.#shutdown(0).catch(() => undefined);
      throw error;
    }
    this.#state = 'ready';
    this.#startedAt = Date.now();
    this.logger.info({ urls: this.urls, services: this.dispatcher.services.map(serviceKey) }, 'accord server ready');
  }

  stop(options: { graceMs?: number } = {}): Promise<void> {
    return (this.#stopping ??= (async () => {
      await this.#starting?.catch(() => undefined);
      await this.#shutdown(options.graceMs ?? this.#lifecycle.graceMs);
    })());
  }

  /** Runs once, whoever asks first (stop(), or a failed start). */
  #shutdown(graceMs: number): Promise<void> {
    return (this.#closing ??= this.#close(graceMs));
  }

  async #close(graceMs: number): Promise<void> {
    // Readiness turns 503 first; calls are still taken for drainDelayMs, so load balancers move away.
    const wasReady = this.#state === 'ready';
    this.#state = 'draining';
    if (wasReady && this.#lifecycle.drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#lifecycle.drainDelayMs));
    // All transports drain at once, so shutdown takes at most one grace period, not one per transport.
    const results = await Promise.allSettled(this.#started.map((transport) => transport.stop({ graceMs })));
    const failures: unknown[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      failures.push(result.reason);
      this.logger.error({ err: result.reason, transport: this.#started[i]!.name }, 'transport failed to stop cleanly');
    });
    await this.dispatcher.close();
    // The pool closes after every transport has drained: calls in flight there still had workers.
    await this.#pool?.close();
    this.#removePoolMetrics?.();
    await this.#listener?.close();
    this.#state = 'stopped';
    this.logger.info({}, 'accord server stopped');
    if (failures.length > 0) throw new AggregateError(failures, 'some transports failed to stop cleanly');
  }

  async reload(): Promise<void> {
    if (!this.#pool) {
      this.logger.warn({}, 'reload: no worker pool, so nothing to reload (inline handlers need a restart)');
      return;
    }
    await this.#pool.reload();
    this.logger.info({}, 'pool handlers reloaded');
  }

  health(): HealthReport {
    const state = this.#state;
    return {
      state,
      live: state !== 'stopped',
      ready: state === 'ready',
      uptimeMs: this.#startedAt ? Date.now() - this.#startedAt : 0,
      services: this.dispatcher.services.map(serviceKey),
      transports: this.#started.map((t) => ({ name: t.name, url: t.url })),
      pool: this.#pool !== undefined,
    };
  }
}
