/**
 * Batches messages to one thread: everything sent during one turn of the event loop goes out as one
 * postMessage (the session layer's per-turn flush), so 256 calls in flight cost a handful of
 * postMessages, not 256. A batch is one flat array of `op, field, field, op, field, ...` (see
 * protocol.ts): fewer objects to clone on the way out and to allocate (and collect) on the way in.
 * Used on both sides.
 */
import { TurnFlush } from '../link/turn-flush.js';

export interface MessageTarget {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void;
}

export class Outbox {
  #batch: unknown[] = [];
  /** Where each message starts in #batch: only needed to split a batch structured clone refused. */
  #starts: number[] = [];
  /** Transfers per message (index-aligned with #starts), only allocated when some message has one. */
  #transfers: (ArrayBuffer[] | undefined)[] | undefined;
  #closed = false;
  readonly #target: MessageTarget;
  readonly #onUnsendable: (message: unknown[], error: unknown) => unknown[] | undefined;
  readonly #turn = new TurnFlush(() => this.flush());

  /** `onUnsendable` may return a replacement for a message ([op, ...fields]) structured clone refused. */
  constructor(target: MessageTarget, onUnsendable: (message: unknown[], error: unknown) => unknown[] | undefined) {
    this.#target = target;
    this.#onUnsendable = onUnsendable;
  }

  /** Starts a message: push its op and fields onto the returned array right away. */
  open(transfer?: ArrayBuffer[]): unknown[] {
    const batch = this.#batch;
    if (transfer !== undefined && transfer.length > 0) {
      (this.#transfers ??= [])[this.#starts.length] = transfer;
    }
    this.#starts.push(batch.length);
    if (!this.#closed) this.#turn.request();
    return batch;
  }

  flush(): void {
    const batch = this.#batch;
    if (batch.length === 0) return;
    const starts = this.#starts;
    const transfers = this.#transfers;
    this.#batch = [];
    this.#starts = [];
    this.#transfers = undefined;
    if (this.#closed) return;
    try {
      this.#target.postMessage(batch, transfers ? transfers.flatMap((t) => t ?? []) : undefined);
    } catch {
      // One message structured clone refuses (a function in an output, say) must not sink the rest.
      for (let i = 0; i < starts.length; i++) this.#sendAlone(batch.slice(starts[i], starts[i + 1] ?? batch.length), transfers?.[i]);
    }
  }

  close(): void {
    this.#closed = true;
    this.#batch = [];
    this.#starts = [];
    this.#transfers = undefined;
  }

  #sendAlone(message: unknown[], transfer: ArrayBuffer[] | undefined): void {
    try {
      this.#target.postMessage(message, transfer);
    } catch (error) {
      const replacement = this.#onUnsendable(message, error);
      if (replacement === undefined) return;
      try {
        this.#target.postMessage(replacement);
      } catch {
        // The replacement is plain data; if even that fails the port is closed.
      }
    }
  }
}
