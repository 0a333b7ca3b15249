/**
 * What one server process remembers of calls that carry an idempotency key, so a retried call is
 * answered with its first attempt's outcome instead of running again (docs/reliability.md, "At most
 * once"). Entries are keyed by method, key and caller (keyed-calls.ts builds the id); an entry is
 * running (retries join it) until its attempt finishes, then finished (retries replay it) for
 * `ttlMs`, and at most `maxEntries` finished ones are kept, the oldest going first.
 *
 * Per process: nodes do not share it. No timers: expired entries go when the store is next used.
 */
import type { AccordError } from './errors.js';
import { positiveInteger } from './option-checks.js';

export interface IdempotencyOptions {
  /** Finished outcomes kept at most (default 10 000); past it, the oldest are forgotten first. */
  maxEntries?: number;
  /** How long a finished outcome is kept after its attempt finished, in ms (default 300 000: 5 minutes). */
  ttlMs?: number;
}

/** The dispatcher's option (core/dispatcher.ts). */
export interface IdempotencyConfig {
  /** What this node remembers of calls with an idempotency key (default: on, with the defaults above); `false` turns it off. */
  idempotency?: IdempotencyOptions | false;
}

const DEFAULTS = { maxEntries: 10_000, ttlMs: 300_000 } as const;

/** One key's first attempt: running until `finished`, then its output or its error. */
export class KeyEntry {
  finished = false;
  output: unknown = undefined;
  error: AccordError | undefined = undefined;
  /** When a finished entry is forgotten (epoch ms). */
  expiresAt = Infinity;
  #waiters: Array<() => void> | undefined;

  /** Resolves once the attempt has finished; read `output` and `error` then. */
  finishedPromise(): Promise<void> {
    if (this.finished) return Promise.resolve();
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  settle(output: unknown, error: AccordError | undefined): void {
    this.finished = true;
    this.output = output;
    this.error = error;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters) for (const wake of waiters) wake();
  }
}

export class IdempotencyStore {
  readonly maxEntries: number;
  readonly ttlMs: number;
  /** Attempts running now: bounded by the calls in flight, which every transport limits. */
  readonly #running = new Map<string, KeyEntry>();
  /** Finished outcomes in the order they finished, which (one TTL for all) is the order they expire in. */
  readonly #finished = new Map<string, KeyEntry>();

  constructor(options: IdempotencyOptions = {}) {
    this.maxEntries = positiveInteger(options.maxEntries ?? DEFAULTS.maxEntries, 'idempotency.maxEntries');
    this.ttlMs = positiveInteger(options.ttlMs ?? DEFAULTS.ttlMs, 'idempotency.ttlMs');
  }

  /** Finished outcomes remembered now (expired ones are dropped first). */
  get size(): number {
    this.#prune(Date.now());
    return this.#finished.size;
  }

  /** First attempts running now. */
  get running(): number {
    return this.#running.size;
  }

  /** The entry of `id`: running, or finished and not expired; undefined when it is unknown. */
  lookup(id: string, now = Date.now()): KeyEntry | undefined {
    const running = this.#running.get(id);
    if (running !== undefined) return running;
    const finished = this.#finished.get(id);
    if (finished === undefined || finished.expiresAt > now) return finished;
    this.#finished.delete(id);
    return undefined;
  }

  /** Registers the first attempt of `id` (the caller found no entry). */
  begin(id: string): KeyEntry {
    const entry = new KeyEntry();
    this.#running.set(id, entry);
    return entry;
  }

  /** The attempt ended: waiters wake up; its outcome is kept for later retries only when `remember`. */
  finish(id: string, entry: KeyEntry, output: unknown, error: AccordError | undefined, remember: boolean, now = Date.now()): void {
    entry.settle(output, error);
    if (this.#running.get(id) === entry) this.#running.delete(id);
    if (!remember) return;
    entry.expiresAt = now + this.ttlMs;
    this.#finished.delete(id);
    this.#finished.set(id, entry);
    this.#prune(now);
  }

  /** Drops expired entries, then the oldest while over the limit: both from the front of the map. */
  #prune(now: number): void {
    for (const [id, entry] of this.#finished) {
      if (entry.expiresAt > now && this.#finished.size <= this.maxEntries) return;
      this.#finished.delete(id);
    }
  }
}
