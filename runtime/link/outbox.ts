/**
 * Outgoing frames of one connection, batched per event-loop turn: frames queued in the same turn
 * leave as one message (a batch), which saves a message header, a write and a receive event per
 * frame when many calls are in flight. A batch never exceeds `maxMessageBytes`; a larger single
 * frame is written alone (the peer's limit is checked before frames are queued). Browser-safe.
 */
import { encodedSize, encodeFrame, joinBatch, type EncodedFrame } from './frame-codec.js';
import type { CodecName, Frame } from './frames.js';
import { TurnFlush } from './turn-flush.js';

export class Outbox {
  codec: CodecName;
  maxMessageBytes: number;
  #parts: EncodedFrame[] = [];
  #bytes = 0;
  readonly #write: (message: EncodedFrame) => void;
  readonly #turn = new TurnFlush(() => this.flush());

  constructor(codec: CodecName, maxMessageBytes: number, write: (message: EncodedFrame) => void) {
    this.codec = codec;
    this.maxMessageBytes = maxMessageBytes;
    this.#write = write;
  }

  /** Bytes queued and not yet written. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Encodes `frame` (throws if it cannot be encoded) and queues it; returns its encoded size. */
  push(frame: Frame): number {
    return this.pushEncoded(encodeFrame(this.codec, frame));
  }

  /** Queues an encoded frame; `size` when the caller already measured it. */
  pushEncoded(part: EncodedFrame, size = encodedSize(part)): number {
    if (this.#bytes > 0 && this.#bytes + size + 16 > this.maxMessageBytes) this.flush();
    this.#parts.push(part);
    this.#bytes += size;
    this.#turn.request();
    return size;
  }

  /** Writes what is queued now. */
  flush(): void {
    if (this.#parts.length === 0) return;
    const parts = this.#parts;
    this.#parts = [];
    this.#bytes = 0;
    this.#write(joinBatch(this.codec, parts));
  }

  /** Drops what is queued (the connection is gone). */
  clear(): void {
    this.#parts = [];
    this.#bytes = 0;
  }
}
