/**
 * The sending end of a credit-controlled stream (the receiving end is stream-inbox.ts), shared by
 * every place that feeds one: a session sending a handler's items to a caller, a pool worker
 * sending its generator's items to the main thread, the main thread feeding a worker's nested
 * stream. The receiver grants credit (flow-control.ts); the sender pulls the next item from its
 * iterator only while it holds credit and its connection is not congested, so a slow consumer
 * pauses the producer instead of growing a buffer. Browser-safe: no Node imports.
 *
 * A paused sender pulls nothing, so the dispatcher's generator never sees the call's deadline pass;
 * given the call's scope, the sender ends the stream itself when the deadline aborts it (with
 * DEADLINE_EXCEEDED), so a consumer that never grants credit or never reads cannot hold the
 * stream, and the in-flight slot it takes, for ever. Every transport that feeds a stream gets this.
 */
import type { CallScope } from './call-scope.js';
import { AccordError } from './errors.js';
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
  /** The call's scope: when it aborts with DEADLINE_EXCEEDED the stream ends with that error, paused or not. */
  scope?: CallScope;
}

function isDeadline(reason: unknown): reason is AccordError {
  return reason instanceof AccordError && reason.code === 'DEADLINE_EXCEEDED';
}

export class StreamSender {
  readonly #window: CreditWindow;
  readonly #iterable: AsyncIterable<unknown>;
  readonly #sink: StreamSink;
  readonly #pressure: (() => Promise<void> | undefined) | undefined;
  readonly #yieldEvery: number;
  readonly #scope: CallScope | undefined;
  #stopped = false;
  /** The deadline passed: the error the stream ends with. */
  #expired: AccordError | undefined;
  /** Wakes a wait for the connection's back pressure when the sender stops. */
  #wakePressure: (() => void) | undefined;

  constructor(iterable: AsyncIterable<unknown>, sink: StreamSink, options: StreamSenderOptions) {
    this.#iterable = iterable;
    this.#sink = sink;
    this.#window = new CreditWindow(options.credit, options.maxCredit ?? options.credit);
    this.#pressure = options.pressure;
    this.#yieldEvery = options.yieldEvery ?? 64;
    this.#scope = options.scope;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs until the iterator ends, fails or is stopped; ends the sink exactly once. */
  async run(): Promise<void> {
    let failure: unknown;
    let failed = false;
    let iterator: AsyncIterator<unknown> | undefined;
    const unwatch = this.#scope?.onAbort((reason) => {
      if (!isDeadline(reason)) return; // cancels and disconnects stop the sender through stop()
      this.#expired ??= reason;
      this.stop();
    });
    try {
      iterator = this.#iterable[Symbol.asyncIterator]();
      let sinceYield = 0;
      while (!this.#stopped) {
        if (!this.#window.take()) {
          await this.#window.wait();
          continue;
        }
        const congested = this.#pressure?.();
        if (congested) await this.#untilRelieved(congested);
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
    unwatch?.();
    this.#sink.end(this.#expired ?? (this.#stopped || !failed ? undefined : failure));
  }

  grant(n: number): void {
    this.#window.grant(n);
  }

  /** The receiver is gone or cancelled: stop pulling (a generator busy in next() is returned once it yields). */
  stop(): void {
    this.#stopped = true;
    this.#window.close();
    this.#wakePressure?.();
  }

  /** Waits for the connection to take more, or for the sender to stop (a reader that never reads must not hold it). */
  #untilRelieved(congested: Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wakePressure = resolve;
      congested.then(() => resolve(), () => resolve());
    });
  }
}
