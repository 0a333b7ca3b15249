/**
 * The NATS transport: `natsTransport(options)` serves a dispatcher's methods on NATS subjects in
 * queue groups, answers NATS micro discovery, bridges events and routes calls this process does
 * not serve; `natsClient(options)` is the client transport the generated clients use over NATS.
 * The server config loader (runtime/server/transports.ts) builds it from `transports.nats`.
 * Node only. Subjects, headers and failure behaviour: docs/nats.md.
 */
export { natsTransport } from './server.js';
export type { NatsServerTransport, NatsTransportOptions } from './server.js';
export { natsClient } from './client.js';
export type { NatsClientOptions, NatsClientTransport } from './client.js';
export type { NatsConnectOptions } from './connection.js';
export { DEFAULT_PREFIX, DEFAULT_QUEUE, Subjects } from './subjects.js';
export { HEADERS as NATS_HEADERS } from './wire.js';
export { META as MICRO_METADATA, MICRO_TYPES } from './micro-types.js';
export type { EndpointInfo, EndpointStats, InfoResponse, StatsResponse } from './micro-types.js';
export { natsTaskStore } from './task-store.js';
export { taskStoreOptionsOf } from './task-options.js';
export type { NatsTaskStoreOptions } from './task-options.js';
export { TASK_HEADERS, TaskSubjects } from './task-messages.js';
