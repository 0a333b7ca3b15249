/** The server runtime: deploy-time config, createServer() and its lifecycle. */
export { defineConfig, applyEnv, validateConfig, ConfigError } from './config.js';
export type { AccordConfig, HttpTransportConfig, MetricsConfig, PoolConfig, ServiceEntry, TransportsConfig, WsTransportConfig } from './config.js';
export { createServer } from './create-server.js';
export type { AccordServer, CreateServerOptions } from './create-server.js';
export { loadConfig, DEFAULT_CONFIG_FILE } from './load-config.js';
export type { LoadedConfig } from './load-config.js';
export { TRANSPORT_NAMES } from './transports.js';
export { healthOf } from '../core/health.js';
export type { HealthReport, ServerState } from '../core/health.js';
export { serve, stopOnSignals } from './serve-command.js';
export type { ServeOptions } from './serve-command.js';
export { banner, parseUrlsLine, publicUrls } from './banner.js';
// What generated server stubs (generated/<service>/server.ts) and handler modules use.
export { AccordError, bindService, isAccordError } from '../core/index.js';
export type { BoundService, HandlerContext, Principal, Authenticate, Guard, Middleware, Logger, LogLevel, LogFormat } from '../core/index.js';
export { createLogger } from '../core/logger.js';
export { AccordMetrics, metricsOf } from '../observability/index.js';
