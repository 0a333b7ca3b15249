/**
 * Outgoing frames of one connection, batched per event-loop turn: frames queued in the same turn
 * leave as one message (a batch), which saves a message header, a write and a receive event per
 * frame when many calls are in flight. A batch never exceeds `maxMessageBytes` (counted by each
 * part's upper bound, so no text is scanned for its UTF-8 length); a larger single frame is
 * written alone (the peer's limit is checked before frames are queued). Browser-safe.
 */
import { encodeFrame, joinBatch, sizeBound, sizeEstimate, type EncodedFrame } from './frame-codec.js';
import type { CodecName, Frame } from './frames.js';
import { TurnFlush } from './turn-flush.js';

export class Outbox {
  codec: CodecName;
  maxMessageBytes: number;
  #parts: EncodedFrame[] = [];
  #bytes = 0;
  #bound = 0;
  readonly #write: (message: EncodedFrame) => void;
  readonly #turn = new TurnFlush(() => this.flush());

  constructor(codec: CodecName, maxMessageBytes: number, write: (message: EncodedFrame) => void) {
    this.codec = codec;
    this.maxMessageBytes = maxMessageBytes;
    this.#write = write;
  }

  /** Bytes queued and not yet written (about: text counted by its length). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Encodes `frame` (throws if it cannot be encoded) and queues it. */
  push(frame: Frame): void {
    this.pushEncoded(encodeFrame(this.codec, frame));
  }

  pushEncoded(part: EncodedFrame): void {
    const bound = sizeBound(part);
    if (this.#bound > 0 && this.#bound + bound + 16 > this.maxMessageBytes) this.flush();
    this.#parts.push(part);
    this.#bytes += sizeEstimate(part);
    this.#bound += bound;
    this.#turn.request();
  }

  /** Writes what is queued now. */
  flush(): void {
    if (this.#parts.length === 0) return;
    const parts = this.#parts;
    this.#parts = [];
    this.#bytes = 0;
    this.#bound = 0;
    this.#write(joinBatch(this.codec, parts));
  }

  /** Drops what is queued (the connection is gone). */
  clear(): void {
    this.#parts = [];
    this.#bytes = 0;
    this.#bound = 0;
  }
}
