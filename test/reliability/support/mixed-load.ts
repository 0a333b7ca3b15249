/**
 * Mixed traffic for the fault tests and the soak: per client transport, a few callers each making
 * one `faults` call after another (unary calls that are not idempotent and idempotent ones, server
 * streams, calls that emit events), every call with a deadline and a token of its own, entered in
 * a CallBook. Stream items are checked as they come: in order, none missing from a stream that
 * ended well. stop() is bounded: a caller stuck in a call past its deadline is left behind, and
 * the book reports it as hung.
 */
import type { RetryPolicy } from 'accord-rpc/client';
import type { CallBook, CallRecord } from './call-book.js';
import type { FaultsClient } from './fault-contract.js';

export type LoadKind = 'charge' | 'lookup' | 'feed' | 'announce';

export interface LoadTarget {
  transport: string;
  client: FaultsClient;
}

export interface LoadOptions {
  /** Callers per transport. */
  callers: number;
  /** Deadline of every call. */
  timeoutMs: number;
  /** How long `charge` and `lookup` handlers work (so faults find calls in flight). */
  workMs: number;
  /** The kinds each caller cycles through. */
  mix?: LoadKind[];
  /** Items per stream, and the pause between them. */
  feed?: { count: number; intervalMs: number };
  /** Beats per `announce`. */
  beats?: number;
  /** Retries of `lookup`, the idempotent call (the others are never retried). */
  retry?: RetryPolicy;
  /** Pause after a failed call, so a caller facing fast refusals (an open circuit) does not spin. */
  pauseAfterFailureMs?: number;
}

export const DEFAULT_MIX: LoadKind[] = ['charge', 'lookup', 'feed', 'charge', 'lookup', 'announce'];
const DEFAULT_RETRY: RetryPolicy = { retries: 4, initialDelayMs: 50, maxDelayMs: 400 };

export class MixedLoad {
  readonly #book: CallBook;
  readonly #targets: LoadTarget[];
  readonly #options: Required<LoadOptions>;
  #running = false;
  #callers: Promise<void>[] = [];

  constructor(book: CallBook, targets: LoadTarget[], options: LoadOptions) {
    this.#book = book;
    this.#targets = targets;
    this.#options = {
      mix: DEFAULT_MIX, feed: { count: 5, intervalMs: 20 }, beats: 3, retry: DEFAULT_RETRY, pauseAfterFailureMs: 50, ...options,
    };
  }

  start(): this {
    this.#running = true;
    for (const target of this.#targets) {
      for (let i = 0; i < this.#options.callers; i++) this.#callers.push(this.#caller(target, i));
    }
    return this;
  }

  /** Stops making calls; waits for the calls in flight, at most until their deadlines plus `graceMs`. */
  async stop(graceMs = 2_000): Promise<void> {
    this.#running = false;
    const bound = new Promise((r) => setTimeout(r, this.#options.timeoutMs + graceMs));
    await Promise.race([Promise.all(this.#callers), bound]);
  }

  async #caller(target: LoadTarget, index: number): Promise<void> {
    const mix = this.#options.mix;
    for (let n = index; this.#running; n++) {
      const record = await this.#call(target, mix[n % mix.length]!);
      if (record.outcome !== 'ok') await new Promise((r) => setTimeout(r, this.#options.pauseAfterFailureMs));
    }
  }

  async #call({ transport, client }: LoadTarget, kind: LoadKind): Promise<CallRecord> {
    const { timeoutMs, workMs, retry } = this.#options;
    const book = this.#book;
    const token = book.token(transport, kind);
    const record = book.start(token, kind, transport, kind === 'lookup', timeoutMs);
    const answeredFor = (ran: { token: string } | undefined) => {
      if (ran && ran.token !== token) record.problem = `answered for ${ran.token}`;
    };
    switch (kind) {
      case 'charge':
        answeredFor(await book.track(record, () => client.charge({ token, ms: workMs }, { timeoutMs })));
        break;
      case 'lookup':
        answeredFor(await book.track(record, () => client.lookup({ token, ms: workMs }, { timeoutMs, retry })));
        break;
      case 'announce':
        await book.track(record, () => client.announce({ token, count: this.#options.beats }, { timeoutMs }));
        break;
      case 'feed':
        await book.track(record, () => this.#feed(client, token, record));
        break;
    }
    return record;
  }

  /** Reads one stream, checking each item is the next one; a stream that ends well must be whole. */
  async #feed(client: FaultsClient, token: string, record: CallRecord): Promise<void> {
    const { count, intervalMs } = this.#options.feed;
    let next = 0;
    for await (const item of client.feed({ token, count, intervalMs }, { timeoutMs: this.#options.timeoutMs })) {
      if (item.seq !== next || item.token !== token) record.problem ??= `item ${item.token}#${item.seq} where #${next} was due`;
      next = item.seq + 1;
    }
    if (next !== count) record.problem ??= `ended after ${next} of ${count} items`;
  }
}
