/**
 * The HTTP transport: a fastify server (`httpTransport`) and a fetch client (`httpClient`).
 * Browser bundles should import `./client.js` directly: this index also pulls in the server (Node only).
 */
export { httpTransport } from './server.js';
export type { HttpTransport, HttpTransportOptions } from './server.js';
export type { CorsOptions } from './cors.js';
export { httpClient } from './client.js';
export type { HttpClientOptions } from './client.js';
export { MSGPACK_STREAM_CONTENT_TYPE, SSE_CONTENT_TYPE, SseParser } from './stream-format.js';
