/**
 * The sending end of a credit-controlled stream (the receiving end is stream-inbox.ts), shared by
 * every place that feeds one: a session sending a handler's items to a caller, a pool worker
 * sending its generator's items to the main thread, the main thread feeding a worker's nested
 * stream. The receiver grants credit (flow-control.ts); the sender pulls the next item from its
 * iterator only while it holds credit and its connection is not congested, so a slow consumer
 * pauses the producer instead of growing a buffer. Browser-safe: no Node imports.
 */
import { CreditWindow } from './flow-control.js';
import { nextTurn } from './next-turn.js';

export interface StreamSink {
  item(value: unknown): void;
  /** The stream ended: normally, with an error, or after `stop()` (then `error` is undefined). */
  end(error?: unknown): void;
}

export interface StreamSenderOptions {
  /** Credit the receiver granted up front. */
  credit: number;
  /** The most credit the receiver may hold at once (grants past it are clamped). Default: `credit`. */
  maxCredit?: number;
  /** The connection's back pressure: a promise to wait on before the next item, or undefined to go on. */
  pressure?: () => Promise<void> | undefined;
  /** Give the event loop a turn every this many items, so one fast stream cannot starve the rest (default 64). */
  yieldEvery?: number;
}

export class StreamSender {
  readonly #window: CreditWindow;
  readonly #iterable: AsyncIterable<unknown>;
  readonly #sink: StreamSink;
  readonly #pressure: (() => Promise<void> | undefined) | undefined;
  readonly #yieldEvery: number;
  #stopped = false;

  constructor(iterable: AsyncIterable<unknown>, sink: StreamSink, options: StreamSenderOptions) {
    this.#iterable = iterable;
    this.#sink = sink;
    this.#window = new CreditWindow(options.credit, options.maxCredit ?? options.credit);
    this.#pressure = options.pressure;
    this.#yieldEvery = options.yieldEvery ?? 64;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs until the iterator ends, fails or is stopped; ends the sink exactly once. */
  async run(): Promise<void> {
    let failure: unknown;
    let failed = false;
    let iterator: AsyncIterator<unknown> | undefined;
    try {
      iterator = this.#iterable[Symbol.asyncIterator]();
      let sinceYield = 0;
      while (!this.#stopped) {
        if (!this.#window.take()) {
          await this.#window.wait();
          continue;
        }
        const congested = this.#pressure?.();
        if (congested) await congested;
        else if (++sinceYield >= this.#yieldEvery) {
          sinceYield = 0;
          await new Promise<void>((resolve) => nextTurn(resolve));
        }
        if (this.#stopped) break;
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

  /** The receiver is gone or cancelled: stop pulling (a generator busy in next() is returned once it yields). */
  stop(): void {
    this.#stopped = true;
    this.#window.close();
  }
}
