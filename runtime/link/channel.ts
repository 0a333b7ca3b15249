/**
 * One connection as a stream of frames, both ways: outgoing frames are encoded with the agreed
 * codec and batched per turn (Outbox); incoming messages are decoded and every frame is checked
 * for the session's role before it is handed on. It also keeps the byte accounting that flow
 * control needs: what is buffered (in the outbox and the socket), and a wait for the socket to
 * drain below the high-water mark. Browser-safe.
 */
import { AccordError } from '../core/errors.js';
import { decodeMessage, encodedSize, encodeFrame, protocolError, sizeBound, sizeEstimate, type EncodedFrame } from './frame-codec.js';
import type { FrameParser } from './frame-validation.js';
import type { CodecName, Frame } from './frames.js';
import { Outbox } from './outbox.js';
import type { LinkSocket } from './socket.js';

export interface ChannelOptions {
  codec: CodecName;
  /** The checks for this session's role (frame-validation.ts: parseCalleeFrame for clients, parseCallerFrame for servers, parsePeerFrame for mesh links). */
  parse: FrameParser;
  /** Largest message this side writes (the peer's frame limit). */
  maxMessageBytes: number;
  /** Socket bytes past which senders wait (drained()) before producing more. */
  highWaterBytes: number;
}

export class FrameChannel {
  readonly socket: LinkSocket;
  readonly #parse: FrameParser;
  readonly #outbox: Outbox;
  readonly #onFrame: (frame: Frame) => void;
  readonly #highWater: number;
  #pendingWrites = 0;
  #drainWaiters: Array<() => void> = [];
  #maxBuffered = 0;
  #closed = false;

  constructor(socket: LinkSocket, options: ChannelOptions, onFrame: (frame: Frame) => void) {
    this.socket = socket;
    this.#parse = options.parse;
    this.#highWater = options.highWaterBytes;
    this.#onFrame = onFrame;
    this.#outbox = new Outbox(options.codec, options.maxMessageBytes, this.#write);
  }

  get codec(): CodecName {
    return this.#outbox.codec;
  }

  set codec(codec: CodecName) {
    this.#outbox.codec = codec;
  }

  get maxMessageBytes(): number {
    return this.#outbox.maxMessageBytes;
  }

  set maxMessageBytes(bytes: number) {
    this.#outbox.maxMessageBytes = bytes;
  }

  /** Bytes written to the socket but not yet sent, plus frames queued for the next batch. */
  get buffered(): number {
    return this.socket.bufferedAmount + this.#outbox.bytes;
  }

  /** The largest `buffered` seen. */
  get maxBuffered(): number {
    return this.#maxBuffered;
  }

  /** Encodes and queues a frame; throws when it cannot be encoded (e.g. a BigInt in JSON). */
  send(frame: Frame): void {
    if (this.#closed) return;
    this.#outbox.push(frame);
    const buffered = this.buffered;
    if (buffered > this.#maxBuffered) this.#maxBuffered = buffered;
  }

  /** Encodes a frame for sending, so a caller can check its size first. */
  encode(frame: Frame): EncodedFrame {
    return encodeFrame(this.#outbox.codec, frame);
  }

  /** Queues a frame `encode()` made; PAYLOAD_TOO_LARGE when it alone is over the peer's limit. */
  sendEncoded(encoded: EncodedFrame, what: string): void {
    const limit = this.#outbox.maxMessageBytes;
    if (sizeBound(encoded) > limit) {
      const size = encodedSize(encoded);
      if (size > limit) throw new AccordError('PAYLOAD_TOO_LARGE', `the ${what} frame is ${size} bytes, over the peer's limit of ${limit}`);
    }
    if (!this.#closed) this.#outbox.pushEncoded(encoded);
  }

  /** Writes what is queued now (before a close, or before waiting on the socket). */
  flush(): void {
    this.#outbox.flush();
  }

  /** Decodes a message and hands on its frames in order; throws PROTOCOL_ERROR for the first bad one. */
  receive(data: string | Uint8Array | ArrayBuffer, binary: boolean): void {
    if (this.#closed) return;
    for (const raw of decodeMessage(data, binary)) {
      this.#onFrame(this.#parse(raw));
      if (this.#closed) return;
    }
  }

  /** Resolves once the socket's buffer is below the high-water mark (or the connection closed). */
  drained(): Promise<void> {
    this.#outbox.flush();
    if (this.#closed || this.socket.bufferedAmount < this.#highWater || this.#pendingWrites === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Whether senders should wait for the socket to drain before producing more. */
  get congested(): boolean {
    return this.buffered >= this.#highWater;
  }

  /** The connection is gone: drop what is queued and wake anyone waiting to send. */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox.clear();
    this.#wakeDrainWaiters();
  }

  readonly #write = (message: EncodedFrame): void => {
    const socket = this.socket;
    if (!socket.writable) return;
    // Ask for a write callback whenever the socket may be filling up, so drained() can wait on it.
    if (socket.bufferedAmount + sizeEstimate(message) > this.#highWater / 2) {
      this.#pendingWrites++;
      socket.send(message, this.#afterWrite);
    } else {
      socket.send(message);
    }
  };

  readonly #afterWrite = (): void => {
    this.#pendingWrites--;
    if (this.#drainWaiters.length > 0 && (this.#pendingWrites === 0 || this.socket.bufferedAmount < this.#highWater)) this.#wakeDrainWaiters();
  };

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** Decodes a connection's first message, which must be one frame (a handshake reads it before its channel takes over). */
export function decodeFirstFrame(data: string | Uint8Array | ArrayBuffer, binary: boolean, parse: FrameParser): Frame {
  const frames = decodeMessage(data, binary);
  if (frames.length !== 1) throw protocolError('the first message must be a single frame');
  return parse(frames[0]);
}
