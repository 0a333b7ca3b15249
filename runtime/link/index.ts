/**
 * The session layer shared by multiplexed transports (WebSocket, the TCP mesh, the stream and event
 * parts of NATS): the frame vocabulary and its validation, per-turn batching, length-prefix
 * framing, the serving half (calls → dispatcher, streams with credit, subscriptions, drain) and the
 * calling half (calls, streams, subscriptions, heartbeats, reconnect and resubscribe), written
 * against a minimal socket interface. A transport adapts its socket and adds what is its own.
 * Browser-safe.
 */
export * from './frames.js';
export { decodeMessage, encodeFrame, encodedSize, joinBatch, protocolError } from './frame-codec.js';
export type { EncodedFrame } from './frame-codec.js';
export { frameParser, isCallerFrame, parseCalleeFrame, parseCallerFrame, parseFrame, parsePeerFrame } from './frame-validation.js';
export type { FrameParser, FrameRole } from './frame-validation.js';
export { lengthPrefixed, LengthPrefixReader } from './length-prefix.js';
export { Outbox } from './outbox.js';
export { TurnFlush } from './turn-flush.js';
export { decodeFirstFrame, FrameChannel } from './channel.js';
export type { ChannelOptions } from './channel.js';
export type { LinkSocket } from './socket.js';
export { ServerSession } from './server-session.js';
export type { ServerSessionLimits, ServerSessionOptions } from './server-session.js';
export { acceptHello, helloFrame, welcomeFrame } from './hello.js';
export { ClientSession } from './client-session.js';
export type { ClientSessionHooks, ClientSessionOptions, PendingCall } from './client-session.js';
export { callFrame, StreamCall, UnaryCall } from './client-calls.js';
export type { CallHost, SessionUser } from './client-calls.js';
export { SessionClient } from './session-client.js';
export type { ReconnectOptions, SessionClientOptions, SessionClientTransport } from './session-client.js';
