/**
 * What the WebSocket transport adds to the session layer's frame protocol (runtime/link, written
 * down in docs/ws-protocol.md): text messages carry JSON, binary ones MessagePack, and the
 * WebSocket close codes each close reason maps to.
 */
import type { CloseReason } from '../../link/frames.js';

export { PROTOCOL_VERSION, SUPPORTED_VERSIONS } from '../../link/frames.js';
export type { CodecName } from '../../link/frames.js';

// Plain constants, not reads of CLOSE: esbuild keeps an object whose properties another constant
// reads, so a browser client that needs three codes would carry every table.
const NORMAL = 1000;
const GOING_AWAY = 1001;
const PROTOCOL_ERROR = 1002;
const TOO_BIG = 1009;
const INTERNAL = 1011;
const TRY_AGAIN_LATER = 1013;
// Browsers let a page close only with 1000 or 3000-4999, so the client's own codes are 4xxx.
const HEARTBEAT_TIMEOUT = 4000;
const CLIENT_PROTOCOL_ERROR = 4002;

/** WebSocket close codes the protocol uses. */
export const CLOSE = {
  normal: NORMAL,
  goingAway: GOING_AWAY,
  protocolError: PROTOCOL_ERROR,
  policy: 1008,
  tooBig: TOO_BIG,
  internal: INTERNAL,
  tryAgainLater: TRY_AGAIN_LATER,
  /** Client side: the server stopped answering heartbeats. */
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  /** Client side: the server sent something this client cannot read. */
  clientProtocolError: CLIENT_PROTOCOL_ERROR,
} as const;

const CODES: Record<CloseReason, number> = {
  normal: NORMAL,
  goingAway: GOING_AWAY,
  protocolError: PROTOCOL_ERROR,
  tooBig: TOO_BIG,
  tryAgainLater: TRY_AGAIN_LATER,
  internal: INTERNAL,
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  peerProtocolError: CLIENT_PROTOCOL_ERROR,
};

/** RFC 6455 allows a close reason of 123 bytes of UTF-8; `ws` and browsers throw past it. */
const MAX_CLOSE_REASON_BYTES = 123;

/** `text` cut to what a close frame may carry: up to 3 UTF-8 bytes a UTF-16 unit, so 41 units always fit. */
export function closeReason(text: string): string {
  return text.length * 3 <= MAX_CLOSE_REASON_BYTES ? text : text.slice(0, 41);
}

/** The close code for a session's close reason. */
export function closeCode(reason: CloseReason): number {
  return CODES[reason];
}

/** The close code a client closes with: one a browser may send (1000, 4xxx), for the reasons a client has. */
export function clientCloseCode(reason: CloseReason): number {
  return reason === 'heartbeatTimeout' ? HEARTBEAT_TIMEOUT : reason === 'peerProtocolError' ? CLIENT_PROTOCOL_ERROR : NORMAL;
}
