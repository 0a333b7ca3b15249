/**
 * What a session needs of a connection: satisfied by an adapter in each transport (a `ws`
 * WebSocket, a browser WebSocket, a length-prefixed TCP socket). The adapter passes incoming
 * messages and the close event to the session; the session writes through this. Browser-safe.
 */
import type { EncodedFrame } from './frame-codec.js';
import type { CloseReason } from './frames.js';

export interface LinkSocket {
  /** Whether a message sent now can still be delivered. */
  readonly writable: boolean;
  /** Bytes handed to the connection and not yet sent (0 where the platform cannot tell). */
  readonly bufferedAmount: number;
  /**
   * Writes one message. `onWritten`, when given, runs once the message has left the connection's
   * buffer (or the connection is gone): sessions use it to wait for a full buffer to drain.
   */
  send(message: EncodedFrame, onWritten?: () => void): void;
  /** Ends the connection, telling the peer why where the transport can (a close code, a last frame). */
  close(reason: CloseReason, message: string): void;
  /** Cuts the connection at once (a peer that does not answer a close). */
  terminate(): void;
}
