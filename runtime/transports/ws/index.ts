/**
 * The WebSocket transport (Node entry): the server (`wsTransport`) and the client (`wsClient`,
 * here bound to the `ws` package's WebSocket, with a circuit breaker by default). Browser code
 * imports `accord-rpc/ws/client` instead, which uses the browser's WebSocket and pulls in no Node module.
 */
import { WebSocket as NodeWebSocket } from 'ws';
// Node always speaks MessagePack too: registering it lets this server's sessions read binary frames
// and this entry's client take `codec: 'msgpack'` (browser code loads it from `accord-rpc/msgpack`).
import '../../core/codecs.js';
import { circuitBreakerFor, guardWithBreaker, type CircuitBreaker, type CircuitOptions } from '../../core/circuit-breaker.js';
import { wsClient as createWsClient, type WsClientOptions, type WsClientTransport } from './client.js';

export { wsTransport } from './server.js';
export type { WsServerTransport, WsTransportOptions } from './server.js';
export type { ConnectionStats } from './connection.js';
export type { ReconnectOptions, WsClientOptions, WsClientTransport } from './client.js';
export type { WebSocketConstructor, WebSocketLike } from './socket.js';
export { PROTOCOL_VERSION, CLOSE } from './protocol.js';

export interface NodeWsClientOptions extends WsClientOptions {
  /** The circuit breaker of unary calls to this URL: on by default (5 failures in a row open it for 1 s, doubling while probes fail), options or an instance to tune it, `false` for none. */
  circuit?: CircuitBreaker | CircuitOptions | false;
}

/** A WebSocket client transport; in Node it uses the `ws` package unless `WebSocket` is given, and a circuit breaker by default. */
export function wsClient(options: NodeWsClientOptions): WsClientTransport {
  return guardWithBreaker(createWsClient({ WebSocket: NodeWebSocket, ...options }), circuitBreakerFor(options.url, options.circuit));
}
