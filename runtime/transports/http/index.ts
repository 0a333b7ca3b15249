/**
 * The HTTP transport (Node entry): a fastify server (`httpTransport`) and a fetch client
 * (`httpClient`) that gets a circuit breaker by default. Browser bundles import
 * `accord-rpc/http/client` instead: this index also pulls in the server (Node only).
 */
import { circuitBreakerFor, guardWithBreaker, type CircuitBreaker, type CircuitOptions } from '../../core/circuit-breaker.js';
import type { ClientTransport } from '../../core/client-transport.js';
import { registerMsgpackStreams } from '../../core/codec-registry.js';
// Node always speaks MessagePack: the codec (all codecs load here) and its stream responses.
import '../../core/codecs.js';
import { LengthPrefixReader } from '../../link/length-prefix.js';
import { httpClient as createHttpClient, type HttpClientOptions } from './client.js';

registerMsgpackStreams(() => new LengthPrefixReader());

export { httpTransport } from './server.js';
export type { HttpTransport, HttpTransportOptions } from './server.js';
export type { CorsOptions } from './cors.js';
export type { HttpClientOptions } from './client.js';

export interface NodeHttpClientOptions extends HttpClientOptions {
  /** The circuit breaker of unary calls to this URL: on by default (5 failures in a row open it for 1 s, doubling while probes fail), options or an instance to tune it, `false` for none. */
  circuit?: CircuitBreaker | CircuitOptions | false;
}

/** An HTTP client transport with a circuit breaker for its URL (see `circuit`). */
export function httpClient(options: NodeHttpClientOptions): ClientTransport {
  return guardWithBreaker(createHttpClient(options), circuitBreakerFor(options.url.replace(/\/+$/, ''), options.circuit));
}
export { MSGPACK_STREAM_CONTENT_TYPE, SSE_CONTENT_TYPE, SseParser } from './stream-format.js';
