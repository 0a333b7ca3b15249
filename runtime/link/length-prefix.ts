/**
 * Length-prefixed framing for byte streams that have no message boundaries of their own (TCP for
 * the mesh; HTTP response bodies for MessagePack streams): each message is a 4-byte big-endian
 * length, then that many bytes. Browser-safe.
 */
import { AccordError } from '../core/errors.js';

/** Prefixes a message with its 4-byte big-endian length. */
export function lengthPrefixed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

/** Smallest buffer a split message starts in: it doubles as bytes arrive, up to the message's length. */
const MIN_PARTIAL_BYTES = 4 * 1024;

/**
 * Incremental reader: feed it chunks as they arrive, get the complete messages back. A chunk full
 * of whole messages is cut into views without copying; a message split across chunks is gathered
 * in a buffer of its own. A length over `maxMessageBytes` is a PROTOCOL_ERROR before any of it is
 * buffered, and a length under it is not taken on trust either: the buffer grows with the bytes
 * that actually arrive (doubling, so each byte is copied at most about twice), so a peer that claims
 * megabytes and sends nothing more costs no more than what it sent.
 */
export class LengthPrefixReader {
  #maxMessage: number;
  /** Bytes of an unfinished length prefix (fewer than 4). */
  #head = new Uint8Array(4);
  #headLength = 0;
  /** The unfinished message's bytes so far (its buffer is at most `#expected` long), once its length is known. */
  #partial: Uint8Array | undefined;
  #partialFilled = 0;
  #expected = 0;

  constructor(maxMessageBytes = 64 * 1024 * 1024) {
    this.#maxMessage = maxMessageBytes;
  }

  /** The largest length accepted from now on (e.g. small until a peer has authenticated, then its full limit). */
  get maxMessageBytes(): number {
    return this.#maxMessage;
  }

  set maxMessageBytes(bytes: number) {
    this.#maxMessage = bytes;
  }

  /** Bytes held for messages not yet complete. */
  get buffered(): number {
    return this.#headLength + this.#partialFilled;
  }

  /** The complete messages `chunk` finishes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const messages: Uint8Array[] = [];
    this.pushEach(chunk, (message) => void messages.push(message));
    return messages;
  }

  /**
   * Hands each message `chunk` finishes to `onMessage` as soon as it is complete, before the next
   * length is read: a limit `onMessage` changes (a peer that just authenticated) applies to the
   * rest of the same chunk.
   */
  pushEach(chunk: Uint8Array, onMessage: (message: Uint8Array) => void): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#partial) {
        const take = Math.min(this.#expected - this.#partialFilled, chunk.length - offset);
        const partial = this.#room(this.#partialFilled + take);
        partial.set(chunk.subarray(offset, offset + take), this.#partialFilled);
        this.#partialFilled += take;
        offset += take;
        if (this.#partialFilled === this.#expected) {
          this.#partial = undefined;
          this.#partialFilled = 0;
          onMessage(partial);
        }
        continue;
      }
      let length: number;
      if (this.#headLength === 0 && chunk.length - offset >= 4) {
        length = ((chunk[offset]! << 24) | (chunk[offset + 1]! << 16) | (chunk[offset + 2]! << 8) | chunk[offset + 3]!) >>> 0;
        offset += 4;
      } else {
        const take = Math.min(4 - this.#headLength, chunk.length - offset);
        this.#head.set(chunk.subarray(offset, offset + take), this.#headLength);
        this.#headLength += take;
        offset += take;
        if (this.#headLength < 4) break;
        const h = this.#head;
        length = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
        this.#headLength = 0;
      }
      if (length > this.#maxMessage) {
        throw new AccordError('PROTOCOL_ERROR', `a message of ${length} bytes is over the limit of ${this.#maxMessage}`, { length, limit: this.#maxMessage });
      }
      if (chunk.length - offset >= length) {
        const message = chunk.subarray(offset, offset + length);
        offset += length;
        onMessage(message);
      } else {
        this.#expected = length;
        this.#partial = new Uint8Array(Math.min(length, Math.max(MIN_PARTIAL_BYTES, chunk.length - offset)));
        this.#partialFilled = 0;
      }
    }
  }

  /** The partial buffer, grown (doubling, never past the expected length) to hold `needed` bytes. */
  #room(needed: number): Uint8Array {
    const partial = this.#partial!;
    if (needed <= partial.length) return partial;
    const grown = new Uint8Array(Math.min(this.#expected, Math.max(needed, partial.length * 2)));
    grown.set(partial.subarray(0, this.#partialFilled));
    this.#partial = grown;
    return grown;
  }
}
