/**
 * Cancellation for one call. Node's AbortSignal is costly on a hot path (creating one ~2 µs, a
 * listener ~5 µs, measured), so a scope only creates its AbortController when someone reads
 * `signal` (a handler looking at ctx.signal, a pool forwarding the abort). Internal listeners are
 * plain callbacks. Transports create one per call and `abort()` it on disconnect or cancel frames.
 */
import { AccordError } from './errors.js';

export class CallScope {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #listeners: Array<(reason: unknown) => void> | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** A real AbortSignal, created on first use and already aborted if the scope is. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Calls `listener` once when the scope aborts (at once if it already has). Returns a remover. */
  onAbort(listener: (reason: unknown) => void): () => void {
    if (this.#aborted) {
      listener(this.#reason);
      return noop;
    }
    (this.#listeners ??= []).push(listener);
    return () => {
      const list = this.#listeners;
      const index = list ? list.indexOf(listener) : -1;
      if (index >= 0) list!.splice(index, 1);
    };
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener(reason);
  }

  /** Whether anyone could observe an abort now (a signal was handed out or a listener waits). */
  get observed(): boolean {
    return this.#controller !== undefined || (this.#listeners?.length ?? 0) > 0;
  }

  /**
   * A scope that aborts when `signal` does (for callers that hold an AbortSignal). A reason that is
   * not already an AccordError (a DOMException from `abort()`) becomes CANCELLED.
   */
  static fromSignal(signal: AbortSignal): CallScope {
    const scope = new CallScope();
    const forward = () => scope.abort(signal.reason instanceof AccordError ? signal.reason : new AccordError('CANCELLED', 'the caller cancelled the call'));
    if (signal.aborted) forward();
    else signal.addEventListener('abort', forward, { once: true });
    return scope;
  }
}

function noop(): void {}
