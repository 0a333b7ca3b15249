/** The test kit: an in-process transport that still serializes, and real servers on free ports. */
export { memoryTransport } from './memory-transport.js';
export type { MemoryTransportOptions } from './memory-transport.js';
export { startTestServer } from './test-server.js';
export type { TestServer, TestServerOptions } from './test-server.js';
export { findUnserializable } from './wire-check.js';
