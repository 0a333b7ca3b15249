/**
 * A stream across the thread boundary with credit-based backpressure, used both ways: a handler's
 * generator in a worker feeding the dispatcher, and a nested stream call served by the main thread
 * feeding a worker. The receiver grants `window` items up front and re-grants what its consumer has
 * taken (runtime/core/flow-control.ts); the sender pulls the next item from its iterator only while
 * it holds credit. So at most `window` items are ever produced and not yet consumed.
 */
import { CreditGrant, CreditWindow } from '../core/flow-control.js';

export interface StreamSink {
  item(value: unknown): void;
  /** The stream ended: normally, with an error, or after `stop()` (then `error` is undefined). */
  end(error?: unknown): void;
}

/** Sender side: pulls from `iterable` while credit lasts. */
export class StreamPump {
  readonly #window: CreditWindow;
  readonly #iterable: AsyncIterable<unknown>;
  readonly #sink: StreamSink;
  #iterator: AsyncIterator<unknown> | undefined;
  #stopped = false;

  constructor(iterable: AsyncIterable<unknown>, window: number, sink: StreamSink) {
    this.#iterable = iterable;
    this.#window = new CreditWindow(window, window);
    this.#sink = sink;
  }

  /** Runs until the iterator ends, fails or is stopped; always ends the sink exactly once. */
  async run(): Promise<void> {
    let failure: unknown;
    let failed = false;
    try {
      const iterator = (this.#iterator = this.#iterable[Symbol.asyncIterator]());
      while (!this.#stopped) {
        if (!this.#window.take()) {
          await this.#window.wait();
          continue;
        }
        const next = await iterator.next();
        if (next.done || this.#stopped) break;
        this.#sink.item(next.value);
      }
      // Stopped by the receiver: let the generator run its finally blocks before reporting the end.
      if (this.#stopped) await iterator.return?.(undefined);
    } catch (error) {
      failed = true;
      failure = error;
    }
    this.#sink.end(this.#stopped || !failed ? undefined : failure);
  }

  grant(n: number): void {
    this.#window.grant(n);
  }

  /** The receiver is gone: stop pulling (a generator busy in next() is returned once it yields). */
  stop(): void {
    this.#stopped = true;
    this.#window.close();
  }
}

/** Receiver side: an AsyncIterator over the items as they arrive, granting credit as they are taken. */
export class StreamInbox implements AsyncIterableIterator<unknown> {
  readonly #grant: CreditGrant;
  readonly #onCredit: (n: number) => void;
  readonly #onCancel: () => void;
  #items: unknown[] = [];
  #head = 0;
  #ended = false;
  #error: unknown;
  #failed = false;
  #waiter: { resolve(r: IteratorResult<unknown>): void; reject(e: unknown): void } | undefined;

  /** `onCancel` runs when the consumer stops (return()) before the sender's end arrived. */
  constructor(window: number, onCredit: (n: number) => void, onCancel: () => void) {
    this.#grant = new CreditGrant(window);
    this.#onCredit = onCredit;
    this.#onCancel = onCancel;
  }

  get window(): number {
    return this.#grant.window;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Items received and not yet taken by the consumer. */
  get buffered(): number {
    return this.#items.length - this.#head;
  }

  push(value: unknown): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      this.#taken();
      waiter.resolve({ value, done: false });
    } else {
      this.#items.push(value);
    }
  }

  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined) {
      this.#failed = true;
      this.#error = error;
    }
    const waiter = this.#waiter;
    if (waiter && this.buffered === 0) {
      this.#waiter = undefined;
      this.#settleEnd(waiter);
    }
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      if (this.#head > 64 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (!this.#ended) this.#taken();
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) {
      return new Promise((resolve, reject) => this.#settleEnd({ resolve, reject }));
    }
    if (this.#waiter) return Promise.reject(new Error('next() called again before the previous next() settled'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    if (!this.#ended) {
      this.#ended = true;
      this.#onCancel();
    }
    this.#items = [];
    this.#head = 0;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #taken(): void {
    const credit = this.#grant.consumed();
    if (credit > 0) this.#onCredit(credit);
  }

  #settleEnd(waiter: { resolve(r: IteratorResult<unknown>): void; reject(e: unknown): void }): void {
    if (this.#failed) {
      // Report the error once; later next() calls see a finished stream.
      this.#failed = false;
      waiter.reject(this.#error);
    } else {
      waiter.resolve({ value: undefined, done: true });
    }
  }
}
