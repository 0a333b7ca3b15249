/**
 * The WebSocket transport (Node entry): the server (`wsTransport`) and the client (`wsClient`,
 * here bound to the `ws` package's WebSocket). Browser code imports `./client.js` instead, which
 * uses the browser's WebSocket and pulls in no Node module.
 */
import { WebSocket as NodeWebSocket } from 'ws';
// Node always speaks MessagePack too: registering it lets this server's sessions read binary frames
// and this entry's client take `codec: 'msgpack'` (browser code loads it from `accord-rpc/msgpack`).
import '../../core/codecs.js';
import { wsClient as createWsClient, type WsClientOptions, type WsClientTransport } from './client.js';

export { wsTransport } from './server.js';
export type { WsServerTransport, WsTransportOptions } from './server.js';
export type { ConnectionStats } from './connection.js';
export type { ReconnectOptions, WsClientOptions, WsClientTransport } from './client.js';
export type { WebSocketConstructor, WebSocketLike } from './socket.js';
export { PROTOCOL_VERSION, CLOSE } from './protocol.js';

/** A WebSocket client transport; in Node it uses the `ws` package unless `WebSocket` is given. */
export function wsClient(options: WsClientOptions): WsClientTransport {
  return createWsClient({ WebSocket: NodeWebSocket, ...options });
}
