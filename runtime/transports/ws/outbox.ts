/**
 * Outgoing frame batching for one connection, on either side. Frames queued in the same turn of
 * the event loop leave as one WebSocket message (a batch), which saves a message header, a write
 * and a receive event per frame when many calls are in flight. A batch never exceeds
 * `maxMessageBytes`; a larger single frame is written alone. Browser-safe.
 */
import { encodedSize, encodeFrame, joinBatch, type ClientFrame, type CodecName, type EncodedFrame, type ServerFrame } from './protocol.js';

/** Runs `fn` once the current turn's work (I/O callbacks, promise reactions) is done. */
export const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => queueMicrotask(fn);

export class Outbox {
  codec: CodecName;
  maxMessageBytes: number;
  #parts: EncodedFrame[] = [];
  #bytes = 0;
  #scheduled = false;
  readonly #write: (message: EncodedFrame) => void;
  readonly #flushLater = () => {
    this.#scheduled = false;
    this.flush();
  };

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
  push(frame: ClientFrame | ServerFrame): number {
    return this.pushEncoded(encodeFrame(this.codec, frame));
  }

  pushEncoded(part: EncodedFrame): number {
    const size = encodedSize(part);
    if (this.#bytes > 0 && this.#bytes + size + 16 > this.maxMessageBytes) this.flush();
    this.#parts.push(part);
    this.#bytes += size;
    if (!this.#scheduled) {
      this.#scheduled = true;
      nextTurn(this.#flushLater);
    }
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
