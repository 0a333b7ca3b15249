/**
 * The receiving end of a credit-controlled stream, shared by every place that reads one from a
 * link (the WebSocket client, the worker pool in both directions, and later the mesh and NATS):
 * an AsyncIterator over the items as they arrive, which grants the sender more credit as its
 * consumer takes items (CreditGrant), so at most `window` items are ever in flight or buffered.
 * Browser-safe: no Node imports.
 */
import { CreditGrant } from './flow-control.js';

type Waiter = { resolve(result: IteratorResult<unknown>): void; reject(error: unknown): void };

export class StreamInbox implements AsyncIterableIterator<unknown> {
  readonly #grant: CreditGrant;
  readonly #onCredit: (n: number) => void;
  readonly #onCancel: () => void;
  #items: unknown[] = [];
  #head = 0;
  #ended = false;
  #error: unknown;
  #failed = false;
  /** Pending next() calls, oldest first (a consumer may call next() again before one settles). */
  #waiters: Waiter[] = [];

  #onStart: (() => void) | undefined;

  /**
   * `onCredit(n)`: send the sender n more credit. `onCancel`: the consumer stopped (return())
   * before the sender's end arrived; tell the sender to stop. `onStart`: the consumer asked for
   * the first item (a call starts lazily, when its iterator is first pulled).
   */
  constructor(window: number, onCredit: (n: number) => void, onCancel: () => void, onStart?: () => void) {
    this.#grant = new CreditGrant(window);
    this.#onCredit = onCredit;
    this.#onCancel = onCancel;
    this.#onStart = onStart;
  }

  get window(): number {
    return this.#grant.window;
  }

  /** Items received and not yet taken by the consumer. */
  get buffered(): number {
    return this.#items.length - this.#head;
  }

  push(value: unknown): void {
    if (this.#ended) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#taken();
      waiter.resolve({ value, done: false });
    } else {
      this.#items.push(value);
    }
  }

  /** The sender finished: normally, or with `error` (reported once, after the buffered items). */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined) {
      this.#failed = true;
      this.#error = error;
    }
    if (this.buffered === 0) this.#settleWaiters();
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#onStart) {
      const start = this.#onStart;
      this.#onStart = undefined;
      start();
    }
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      // Compact now and then instead of shift() per item (O(n) each).
      if (this.#head > 64 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (!this.#ended) this.#taken();
      return Promise.resolve({ value, done: false });
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      if (this.#ended) this.#settleWaiters();
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    if (!this.#ended) {
      this.#ended = true;
      this.#onCancel();
    }
    this.#items = [];
    this.#head = 0;
    this.#failed = false;
    this.#settleWaiters();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** `throw()` on the iterator: stop the stream, then surface the error to the consumer. */
  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #taken(): void {
    const credit = this.#grant.consumed();
    if (credit > 0) this.#onCredit(credit);
  }

  /** Ends every pending next(): the first sees the error (once), the rest a finished stream. */
  #settleWaiters(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (this.#failed) {
        this.#failed = false;
        waiter.reject(this.#error);
      } else {
        waiter.resolve({ value: undefined, done: true });
      }
    }
  }
}
