/**
 * A TCP (or TLS) socket as the session layer's LinkSocket: length-prefixed messages (link's
 * length-prefix.ts), each either a session message (MessagePack frames, for the FrameChannel) or a
 * mesh control message (control-frames.ts). Incoming messages go to whoever receives for the
 * connection now: the handshake first, the peer link after it. A session message over the peer's
 * frame limit is not written (the peer would drop the link): its frames are sent one by one and any
 * still too large is answered with PAYLOAD_TOO_LARGE for its call instead.
 *
 * Reads: until the handshake succeeds (`authenticated()`), a message may be at most 4 KiB (the
 * handshake's are far smaller), so a peer that proved nothing cannot make the node hold megabytes;
 * after it, up to the node's `maxFrameBytes`.
 *
 * Writes: the session layer hands over one batch per event-loop turn, written at once; control
 * frames (gossip, events) cork the socket until the end of the current tick, so a burst of events
 * leaves in one write too. A large message is written as its 4-byte length and itself (one writev)
 * rather than copied behind the length.
 */
import type { Socket } from 'node:net';
import { msgpackCodec } from '../../core/codecs.js';
import { AccordError } from '../../core/errors.js';
import { encodeFrame, protocolError, type EncodedFrame } from '../../link/frame-codec.js';
import type { CloseReason, Frame } from '../../link/frames.js';
import { lengthPrefixed, LengthPrefixReader } from '../../link/length-prefix.js';
import type { LinkSocket } from '../../link/socket.js';
import { decodeControl, encodeControl, isControlMessage, type ControlFrame } from './control-frames.js';

export interface SocketReceiver {
  control(frame: ControlFrame): void;
  session(message: Uint8Array): void;
  /** A frame answering call `id` was too large for the peer and was replaced by an error. */
  oversize(id: number): void;
  /** Something the peer sent cannot be read (or a receiver threw): end the connection. */
  fail(error: AccordError): void;
  /** The connection is gone. */
  closed(error: AccordError): void;
}

/** What the peer's sessions learn in the last frame before a close (undefined: nothing is said). */
const CLOSE_ERRORS: Record<CloseReason, string | undefined> = {
  normal: undefined,
  goingAway: 'UNAVAILABLE',
  protocolError: 'PROTOCOL_ERROR',
  tooBig: 'PAYLOAD_TOO_LARGE',
  tryAgainLater: 'RESOURCE_EXHAUSTED',
  internal: 'INTERNAL',
  heartbeatTimeout: 'UNAVAILABLE',
  peerProtocolError: 'PROTOCOL_ERROR',
};

const CLOSE_GRACE_MS = 2_000;
/** Largest message a peer may send before it authenticated: hello, auth and refuse frames are a few hundred bytes. */
const UNAUTHENTICATED_MAX_BYTES = 4 * 1024;
/** Messages up to this size are copied behind their length (one buffer); larger ones go as two buffers in one writev. */
const COPY_BELOW_BYTES = 16 * 1024;
const ignore = (): void => undefined;
/** Until the handshake takes the socket over (in the same turn it is created). */
const UNATTACHED: SocketReceiver = { control: ignore, session: ignore, oversize: ignore, fail: ignore, closed: ignore };

export class FramedSocket implements LinkSocket {
  /** `host:port` of the other end, for messages. */
  readonly remote: string;
  receiver: SocketReceiver = UNATTACHED;
  /** The peer's largest message (learnt after the handshake). */
  peerMaxBytes: number;
  readonly #socket: Socket;
  readonly #reader: LengthPrefixReader;
  readonly #maxMessageBytes: number;
  #authenticated = false;
  #ending = false;
  #closed = false;
  #corked = false;
  #error: Error | undefined;

  constructor(socket: Socket, maxMessageBytes: number) {
    this.#socket = socket;
    this.peerMaxBytes = maxMessageBytes;
    this.#maxMessageBytes = maxMessageBytes;
    this.#reader = new LengthPrefixReader(Math.min(UNAUTHENTICATED_MAX_BYTES, maxMessageBytes));
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => {
      this.#error = error; // 'close' follows
    });
    socket.on('close', () => this.#onClose());
  }

  get writable(): boolean {
    return !this.#ending && !this.#socket.destroyed && this.#socket.writable;
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  send(message: EncodedFrame, onWritten?: () => void): void {
    const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
    if (bytes.length > this.peerMaxBytes) {
      this.#sendOversize(bytes);
      onWritten?.();
      return;
    }
    this.#write(bytes, onWritten);
  }

  /** Writes a control frame (with the others of this tick); false when it is over the peer's limit (nothing is written). */
  sendControl(frame: ControlFrame): boolean {
    if (!this.writable) return false;
    const bytes = encodeControl(frame);
    if (bytes.length > this.peerMaxBytes) return false;
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    this.#write(bytes);
    return true;
  }

  /** The handshake succeeded (called while its last message is handled): the peer may now send up to the full limit. */
  authenticated(): void {
    this.#authenticated = true;
    this.#reader.maxMessageBytes = this.#maxMessageBytes;
  }

  /** Ends the connection after a last frame saying why (FIN; cut off if the peer does not close too). */
  close(reason: CloseReason, message: string): void {
    const code = CLOSE_ERRORS[reason];
    if (code !== undefined && this.writable) this.send(encodeFrame('msgpack', { type: 'error', error: { code, message } }));
    this.end();
  }

  /** Handshake refusal: a control frame, then FIN. */
  refuse(error: AccordError): void {
    this.sendControl({ type: 'refuse', error: error.toWire() });
    this.end();
  }

  end(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  terminate(): void {
    this.#ending = true;
    this.#socket.destroy();
  }

  #write(message: Uint8Array, onWritten?: () => void): void {
    if (message.length < COPY_BELOW_BYTES) {
      this.#socket.write(lengthPrefixed(message), onWritten);
      return;
    }
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(message.length);
    const corked = this.#corked;
    if (!corked) this.#socket.cork();
    this.#socket.write(length);
    this.#socket.write(message, onWritten);
    if (!corked) this.#socket.uncork();
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  #onData(chunk: Buffer): void {
    if (this.#ending || this.#closed) return;
    try {
      this.#reader.pushEach(chunk, this.#onMessage);
    } catch (error) {
      // The reader refused a length (before buffering any of it): say why the limit is this low.
      if (!this.#authenticated && error instanceof AccordError && (error.data as { limit?: number } | undefined)?.limit !== undefined) {
        return this.receiver.fail(protocolError(`${error.message}: until the mesh handshake succeeds, a peer may send messages of at most ${this.#reader.maxMessageBytes} bytes`));
      }
      this.receiver.fail(error instanceof AccordError ? error : protocolError(`could not process a message: ${(error as Error)?.message ?? error}`));
    }
  }

  /** One message, as soon as it is complete (the handshake's last one raises the limit for the next). */
  readonly #onMessage = (message: Uint8Array): void => {
    if (this.#ending) return;
    if (isControlMessage(message)) this.receiver.control(decodeControl(message));
    else this.receiver.session(message);
  };

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ending = true;
    const why = this.#error ? `: ${this.#error.message}` : '';
    this.receiver.closed(new AccordError('UNAVAILABLE', `the mesh connection to ${this.remote} closed${why}`));
  }

  /** Rare path: a batch or frame over the peer's limit. Frames go one by one; those still too large become errors. */
  #sendOversize(message: Uint8Array): void {
    let frames: unknown;
    try {
      frames = msgpackCodec.decode(message);
    } catch {
      return;
    }
    for (const frame of (Array.isArray(frames) ? frames : [frames]) as Frame[]) {
      const bytes = encodeFrame('msgpack', frame) as Uint8Array;
      if (bytes.length <= this.peerMaxBytes) {
        this.#write(bytes);
        continue;
      }
      const id = (frame as { id?: unknown }).id;
      if (typeof id !== 'number') continue;
      const error = { code: 'PAYLOAD_TOO_LARGE', message: `the ${frame.type} frame for call ${id} is ${bytes.length} bytes, over the peer's frame limit of ${this.peerMaxBytes}` };
      this.#write(encodeFrame('msgpack', { type: 'error', id, error }) as Uint8Array);
      this.receiver.oversize(id);
    }
  }
}
