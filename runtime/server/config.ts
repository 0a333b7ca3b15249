/**
 * Deploy-time configuration: which services a server runs, behind which transports, with which
 * pool, auth and limits. Handler code never names a transport; this file (usually
 * `accord.config.ts`, loaded by `accord serve`) does. `applyEnv` layers environment variables on top.
 */
import type { Registry } from 'prom-client';
import type { DispatcherOptions } from '../core/dispatcher.js';
import { CONTRACT_CHECK_MODES } from '../core/contract-check.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../core/logger.js';
import type { BoundService } from '../core/service-binding.js';
import type { ServerTransport } from '../core/transport.js';
import type { PoolOptions } from '../pool/handle.js';

/** Options of the HTTP transport (runtime/transports/http). */
export interface HttpTransportConfig {
  /** Interface to listen on (default 127.0.0.1 from `defineConfig` users; 0.0.0.0 in containers). */
  host?: string;
  /** TCP port; 0 picks a free one. */
  port?: number;
  bodyLimitBytes?: number;
  requestTimeoutMs?: number;
  /** The OpenAPI document to serve at /openapi.json and /docs (relative to the config file). */
  openapiFile?: string;
  /** The AsyncAPI document to serve at /asyncapi.json (relative to the config file). */
  asyncapiFile?: string;
  /** Public addresses the served documents list as `servers` (default: the generated relative `/`). */
  servers?: Array<{ url: string; description?: string }>;
  [option: string]: unknown;
}

/** Options of the WebSocket transport: on the HTTP port under `path` (default), or on its own `port`. */
export interface WsTransportConfig {
  /** Path on the HTTP server when sharing its port (default `/ws`). */
  path?: string;
  /** Own port; when unset and an HTTP transport is configured, WS shares the HTTP port. */
  port?: number;
  host?: string;
  [option: string]: unknown;
}

/** Options of the NATS transport (runtime/transports/nats; docs/nats.md). */
export interface NatsTransportConfig {
  /** NATS server URLs, e.g. `nats://127.0.0.1:4222` (one, or a list). */
  servers?: string | string[];
  [option: string]: unknown;
}

/** Options of the TCP mesh transport (runtime/transports/mesh; docs/mesh.md). */
export interface MeshTransportConfig {
  /** Port to listen on for peers (0: any free port); a node without one only dials. */
  port?: number;
  host?: string;
  /** Peers to dial, as `host:port`. */
  seeds?: string[];
  /** The shared mesh key peers prove they know (never sent). */
  key?: string;
  [option: string]: unknown;
}

/**
 * Transports by name. `true` means "with default options", `false` or absent means "off"; a
 * ServerTransport object plugs in a custom transport under that name.
 */
export interface TransportsConfig {
  http?: HttpTransportConfig | boolean | ServerTransport;
  ws?: WsTransportConfig | boolean | ServerTransport;
  nats?: NatsTransportConfig | boolean | ServerTransport;
  mesh?: MeshTransportConfig | boolean | ServerTransport;
  [name: string]: Record<string, unknown> | boolean | ServerTransport | undefined;
}

/**
 * Where delayed task runs and cron ticks wait (docs/pool.md, docs/nats.md "Durable tasks").
 * `memory` (the default): timers in each process; a restart loses the runs waiting in it.
 * `nats`: a JetStream stream shared by the deployment; runs survive restarts, run in one process,
 * and are retried. Its connection and subject prefix are those of `transports.nats`, unless given here.
 */
export interface TasksConfig {
  store?: 'memory' | 'nats';
  /** With `store: 'nats'`: stream, durable, maxDeliver, backoffMs, ackWaitMs, cron, ... (and servers, credentials). */
  [option: string]: unknown;
}

export const TASK_STORES = ['memory', 'nats'] as const;

/** Worker pool options (see runtime/pool); modules are filled in from `services`. */
export type PoolConfig = Omit<PoolOptions, 'modules'>;

/** A service entry: a handler module path (relative to the config file), or bound services. */
export type ServiceEntry = string | URL | BoundService | readonly BoundService[];

/** Prometheus metrics (runtime/observability; docs/operations.md). */
export interface MetricsConfig {
  /**
   * A listener of its own for `GET /metrics` (and /healthz, /readyz). Started when set, and always
   * when no HTTP transport runs (then default 9464); with HTTP, `/metrics` is also on its port.
   */
  port?: number;
  /** Interface of the metrics listener (default: the HTTP host, else 127.0.0.1). */
  host?: string;
  /** Path of the metrics (default `/metrics`), on the HTTP transport and the listener. */
  path?: string;
  /** prom-client's process and Node.js metrics (default true). */
  defaultMetrics?: boolean;
  /** Upper bounds of `rpc_server_duration_seconds`, in seconds. */
  buckets?: number[];
  /** A prom-client Registry to add Accord's metrics to (default: one of the server's own). */
  registry?: Registry;
}

/** The dispatcher's own options, passed through unchanged (documented in runtime/core/dispatcher.ts). */
type DispatcherSettings = Pick<DispatcherOptions, 'authenticate' | 'guards' | 'middleware' | 'validateOutput' | 'defaultTimeoutMs' | 'maxHops' | 'logger' | 'nodeId' | 'contractCheck'>;

export interface AccordConfig extends DispatcherSettings {
  /**
   * Handler modules (each exports BoundService values, found with `boundServicesOf`) or
   * BoundService objects. Only services from module paths can run in the pool: a worker thread
   * loads its handlers by path. Pool methods of BoundService objects run inline.
   */
  services: ServiceEntry[];
  /** Default: `{ http: {} }`. */
  transports?: TransportsConfig;
  /** The worker pool for `runs: 'pool'` methods; `false` runs everything inline. Default: on. */
  pool?: PoolConfig | false;
  /** Where delayed and cron task runs wait: in memory (default) or in NATS JetStream. */
  tasks?: TasksConfig;
  /** Level of the server's pino logger (default 'info'); ignored when `logger` is given. */
  logLevel?: LogLevel;
  /** `json` lines on stderr (default), `pretty` (pino-pretty, for people), or `auto` (pretty on a terminal). */
  logFormat?: LogFormat;
  /** Prometheus metrics (default on: `/metrics` on the HTTP transport); `false` turns them off. */
  metrics?: MetricsConfig | false;
  /** OpenTelemetry spans per call when an SDK is registered before createServer() (default true). */
  tracing?: boolean;
  /**
   * On stop, how long readiness reports 503 while calls are still taken, before transports start
   * refusing them: time for a load balancer to notice (default 0).
   */
  drainDelayMs?: number;
  /** How long `stop()` waits for in-flight calls before closing what is left (default 10 000 ms). */
  shutdownGraceMs?: number;
  /** Directory that relative paths (services, openapiFile) are resolved against. Default: the config file's folder, or the working directory. */
  root?: string;
}

/** Identity function that gives `accord.config.ts` files type checking and completion. */
export function defineConfig(config: AccordConfig): AccordConfig {
  return config;
}

const KNOWN_KEYS = new Set<string>([
  'services', 'transports', 'pool', 'authenticate', 'guards', 'middleware', 'validateOutput', 'defaultTimeoutMs',
  'maxHops', 'logLevel', 'logger', 'shutdownGraceMs', 'root', 'nodeId', 'logFormat', 'metrics', 'tracing', 'drainDelayMs', 'tasks',
  'contractCheck',
]);
/** The node ids calls list as visited (runtime/core/meta-headers.ts): no commas or spaces. */
const NODE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Thrown for a configuration that cannot work; the message says which field and, when known, which file. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Checks the shape of a config (not the modules it names: createServer loads those). */
export function validateConfig(config: unknown, source = 'config'): AccordConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigError(`${source}: expected a config object (export default defineConfig({ services: [...] }))`);
  }
  const c = config as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(`${source}: unknown field '${key}'; known fields: ${[...KNOWN_KEYS].join(', ')}`);
  }
  if (!Array.isArray(c.services) || c.services.length === 0) {
    throw new ConfigError(`${source}: 'services' must be a non-empty array of handler module paths or bound services`);
  }
  if (c.transports !== undefined && (typeof c.transports !== 'object' || c.transports === null || Array.isArray(c.transports))) {
    throw new ConfigError(`${source}: 'transports' must be an object keyed by transport name, e.g. { http: { port: 3000 }, ws: {} }`);
  }
  if (c.pool !== undefined && c.pool !== false && (typeof c.pool !== 'object' || c.pool === null)) {
    throw new ConfigError(`${source}: 'pool' must be pool options or false`);
  }
  if (c.tasks !== undefined) validateTasks(c.tasks, source);
  if (c.authenticate !== undefined && typeof c.authenticate !== 'function') throw new ConfigError(`${source}: 'authenticate' must be a function`);
  for (const key of ['guards', 'middleware'] as const) {
    const list = c[key];
    if (list !== undefined && (!Array.isArray(list) || !list.every((g) => typeof g === 'function'))) {
      throw new ConfigError(`${source}: '${key}' must be an array of functions`);
    }
  }
  for (const key of ['maxHops', 'shutdownGraceMs', 'drainDelayMs'] as const) {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new ConfigError(`${source}: '${key}' must be a non-negative number`);
  }
  // 0 would fail every call at once with DEADLINE_EXCEEDED.
  const timeout = c.defaultTimeoutMs;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
    throw new ConfigError(`${source}: 'defaultTimeoutMs' must be a positive number of milliseconds`);
  }
  if (c.nodeId !== undefined && (typeof c.nodeId !== 'string' || !NODE_ID.test(c.nodeId))) {
    throw new ConfigError(`${source}: 'nodeId' must be 1-128 letters, digits, '.', '_', '-' or ':'`);
  }
  if (c.logLevel !== undefined && !oneOf(LOG_LEVELS, c.logLevel)) {
    throw new ConfigError(`${source}: 'logLevel' must be one of ${LOG_LEVELS.join(', ')}`);
  }
  if (c.contractCheck !== undefined && !oneOf(CONTRACT_CHECK_MODES, c.contractCheck)) {
    throw new ConfigError(`${source}: 'contractCheck' must be one of ${CONTRACT_CHECK_MODES.join(', ')}`);
  }
  if (c.logFormat !== undefined && !oneOf(LOG_FORMATS, c.logFormat)) {
    throw new ConfigError(`${source}: 'logFormat' must be one of ${LOG_FORMATS.join(', ')}`);
  }
  if (c.logger !== undefined && (typeof c.logger !== 'object' || c.logger === null || typeof (c.logger as { info?: unknown }).info !== 'function')) {
    throw new ConfigError(`${source}: 'logger' must be a pino logger (or one with pino's methods)`);
  }
  if (c.metrics !== undefined && c.metrics !== false && (typeof c.metrics !== 'object' || c.metrics === null)) {
    throw new ConfigError(`${source}: 'metrics' must be metrics options ({ port, path, ... }) or false`);
  }
  const metricsPort = (c.metrics as MetricsConfig | undefined)?.port;
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) {
    throw new ConfigError(`${source}: 'metrics.port' must be a port number (0 picks a free one)`);
  }
  if (c.tracing !== undefined && typeof c.tracing !== 'boolean') throw new ConfigError(`${source}: 'tracing' must be true or false`);
  return c as unknown as AccordConfig;
}

/** The shape of `tasks`; the nats store checks its own options when it is built. */
function validateTasks(tasks: unknown, source: string): void {
  if (typeof tasks !== 'object' || tasks === null || Array.isArray(tasks)) {
    throw new ConfigError(`${source}: 'tasks' must be an object, e.g. { store: 'nats', maxDeliver: 5 }`);
  }
  const { store = 'memory', ...options } = tasks as TasksConfig;
  if (!oneOf(TASK_STORES, store)) throw new ConfigError(`${source}: 'tasks.store' must be one of ${TASK_STORES.join(', ')}, not ${JSON.stringify(store)}`);
  const extra = Object.keys(options);
  if (store === 'memory' && extra.length > 0) {
    throw new ConfigError(`${source}: tasks.${extra[0]} is an option of the nats task store; the memory store (the default) takes none`);
  }
}

/**
 * Environment overrides, for containers and PaaS:
 *   PORT                    HTTP port            HOST             HTTP (and WS) host
 *   WS_PORT                 WS on its own port   ACCORD_TRANSPORTS   comma list of transports to run (e.g. `http,ws`)
 *   ACCORD_POOL_THREADS     pool size (0 disables the pool)
 *   ACCORD_LOG_LEVEL        trace|debug|info|warn|error|fatal|silent
 *   ACCORD_LOG_FORMAT       json|pretty|auto
 *   ACCORD_METRICS_PORT     a metrics listener of its own (see MetricsConfig.port); ACCORD_METRICS=off turns metrics off
 *   ACCORD_DRAIN_DELAY_MS
 *   ACCORD_DEFAULT_TIMEOUT_MS, ACCORD_SHUTDOWN_GRACE_MS, ACCORD_MAX_HOPS
 *   ACCORD_NODE_ID          this node's id in a mesh or NATS deployment
 *   ACCORD_NATS_URL         NATS servers (comma list) of the nats transport
 *   ACCORD_TASK_STORE       memory|nats: where delayed and cron task runs wait (TasksConfig)
 *   ACCORD_MESH_PORT, ACCORD_MESH_SEEDS (comma list of host:port), ACCORD_MESH_KEY   the mesh transport
 * Returns a new config; `config` is not changed.
 */
export function applyEnv(config: AccordConfig, env: Record<string, string | undefined> = process.env): AccordConfig {
  const out: AccordConfig = { ...config, transports: { ...(config.transports ?? { http: {} }) } };
  const transports = out.transports!;
  const options = (name: string): Record<string, unknown> => {
    const current = transports[name];
    if (current === false || current === undefined) return {};
    if (current === true) return {};
    if (isTransportObject(current)) throw new ConfigError(`cannot apply environment overrides to the custom '${name}' transport object`);
    return { ...current };
  };

  if (env.ACCORD_TRANSPORTS !== undefined && env.ACCORD_TRANSPORTS.trim() !== '') {
    const wanted = env.ACCORD_TRANSPORTS.split(',').map((s) => s.trim()).filter(Boolean);
    for (const name of Object.keys(transports)) if (!wanted.includes(name)) delete transports[name];
    for (const name of wanted) if (transports[name] === undefined || transports[name] === false) transports[name] = {};
  }
  const port = intEnv(env, 'PORT');
  if (port !== undefined && transports.http) transports.http = { ...options('http'), port };
  if (env.HOST && transports.http) transports.http = { ...options('http'), host: env.HOST };
  const wsPort = intEnv(env, 'WS_PORT');
  if (wsPort !== undefined && transports.ws) transports.ws = { ...options('ws'), port: wsPort };
  if (env.HOST && transports.ws && (transports.ws as WsTransportConfig).port !== undefined) transports.ws = { ...options('ws'), host: env.HOST };

  const threads = intEnv(env, 'ACCORD_POOL_THREADS');
  if (threads !== undefined) out.pool = threads === 0 ? false : { ...(out.pool || {}), threads };
  if (env.ACCORD_LOG_LEVEL) {
    if (!oneOf(LOG_LEVELS, env.ACCORD_LOG_LEVEL)) throw new ConfigError(`ACCORD_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not '${env.ACCORD_LOG_LEVEL}'`);
    out.logLevel = env.ACCORD_LOG_LEVEL;
  }
  if (env.ACCORD_CONTRACT_CHECK) {
    const mode = env.ACCORD_CONTRACT_CHECK.trim();
    if (!oneOf(CONTRACT_CHECK_MODES, mode)) throw new ConfigError(`ACCORD_CONTRACT_CHECK must be one of ${CONTRACT_CHECK_MODES.join(', ')}, not '${env.ACCORD_CONTRACT_CHECK}'`);
    out.contractCheck = mode;
  }
  if (env.ACCORD_LOG_FORMAT) {
    if (!oneOf(LOG_FORMATS, env.ACCORD_LOG_FORMAT)) throw new ConfigError(`ACCORD_LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, not '${env.ACCORD_LOG_FORMAT}'`);
    out.logFormat = env.ACCORD_LOG_FORMAT;
  }
  if (env.ACCORD_METRICS !== undefined && ['off', 'false', '0'].includes(env.ACCORD_METRICS.trim().toLowerCase())) out.metrics = false;
  const metricsPort = intEnv(env, 'ACCORD_METRICS_PORT');
  if (metricsPort !== undefined && out.metrics !== false) out.metrics = { ...(out.metrics || {}), port: metricsPort };
  const drainDelay = intEnv(env, 'ACCORD_DRAIN_DELAY_MS');
  if (drainDelay !== undefined) out.drainDelayMs = drainDelay;
  const timeout = intEnv(env, 'ACCORD_DEFAULT_TIMEOUT_MS');
  if (timeout !== undefined) out.defaultTimeoutMs = timeout;
  const grace = intEnv(env, 'ACCORD_SHUTDOWN_GRACE_MS');
  if (grace !== undefined) out.shutdownGraceMs = grace;
  const hops = intEnv(env, 'ACCORD_MAX_HOPS');
  if (hops !== undefined) out.maxHops = hops;
  if (env.ACCORD_NODE_ID) out.nodeId = env.ACCORD_NODE_ID;
  if (env.ACCORD_NATS_URL && transports.nats) transports.nats = { ...options('nats'), servers: listEnv(env.ACCORD_NATS_URL) };
  if (env.ACCORD_TASK_STORE) {
    const store = env.ACCORD_TASK_STORE.trim();
    if (!oneOf(TASK_STORES, store)) throw new ConfigError(`ACCORD_TASK_STORE must be one of ${TASK_STORES.join(', ')}, not '${env.ACCORD_TASK_STORE}'`);
    // Back to memory drops the nats store's options with it.
    out.tasks = store === 'memory' ? { store } : { ...config.tasks, store };
  }
  const meshPort = intEnv(env, 'ACCORD_MESH_PORT');
  if (meshPort !== undefined && transports.mesh) transports.mesh = { ...options('mesh'), port: meshPort };
  if (env.ACCORD_MESH_SEEDS && transports.mesh) transports.mesh = { ...options('mesh'), seeds: listEnv(env.ACCORD_MESH_SEEDS) };
  if (env.ACCORD_MESH_KEY && transports.mesh) transports.mesh = { ...options('mesh'), key: env.ACCORD_MESH_KEY };
  return out;
}

function oneOf<T extends string>(allowed: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

function listEnv(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

function intEnv(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`environment variable ${name} must be a non-negative integer, not '${raw}'`);
  return n;
}

export function isTransportObject(value: unknown): value is ServerTransport {
  return typeof value === 'object' && value !== null
    && typeof (value as ServerTransport).start === 'function' && typeof (value as ServerTransport).stop === 'function';
}
