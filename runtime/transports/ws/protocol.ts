/**
 * What the WebSocket transport adds to the session layer's frame protocol (runtime/link, written
 * down in docs/ws-protocol.md): text messages carry JSON, binary ones MessagePack, and the
 * WebSocket close codes each close reason maps to.
 */
import type { CloseReason } from '../../link/frames.js';

export { PROTOCOL_VERSION, SUPPORTED_VERSIONS } from '../../link/frames.js';
export type { CodecName } from '../../link/frames.js';

/** WebSocket close codes the protocol uses. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  tryAgainLater: 1013,
  // Browsers let a page close only with 1000 or 3000-4999, so the client's own codes are 4xxx.
  /** Client side: the server stopped answering heartbeats. */
  heartbeatTimeout: 4000,
  /** Client side: the server sent something this client cannot read. */
  clientProtocolError: 4002,
} as const;

const CODES: Record<CloseReason, number> = {
  normal: CLOSE.normal,
  goingAway: CLOSE.goingAway,
  protocolError: CLOSE.protocolError,
  tooBig: CLOSE.tooBig,
  tryAgainLater: CLOSE.tryAgainLater,
  internal: CLOSE.internal,
  heartbeatTimeout: CLOSE.heartbeatTimeout,
  peerProtocolError: CLOSE.clientProtocolError,
};

/** The close code for a session's close reason. */
export function closeCode(reason: CloseReason): number {
  return CODES[reason];
}
