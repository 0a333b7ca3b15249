/**
 * The sending side of a stream across the thread boundary (the receiving side is
 * runtime/core/stream-inbox.ts), with credit-based backpressure, used both ways: a handler's
 * generator in a worker feeding the dispatcher, and a nested stream call served by the main thread
 * feeding a worker. The receiver grants `window` items up front and re-grants what its consumer has
 * taken (runtime/core/flow-control.ts); the sender pulls the next item from its iterator only while
 * it holds credit. So at most `window` items are ever produced and not yet consumed.
 */
import { CreditWindow } from '../core/flow-control.js';

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
