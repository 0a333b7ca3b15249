/**
 * Deadlines for every call in flight, checked by one shared timer instead of a setTimeout per call
 * (a timer per call was ~20% of the dispatcher's time under load, measured). A call is aborted at
 * most `tickMs` after its deadline; the timer stops after one idle tick and never holds the process.
 *
 * Calls are kept in an array and never removed one by one: a call that ends says so (`ended`) and
 * the next tick drops it, so a finished call is held at most `tickMs`. A Set's add and delete cost
 * ~45 ns a call against ~10 ns for a push (measured with 256 calls in flight), and a Set that
 * fills and empties with every burst reallocates its table.
 */
export interface HasDeadline {
  readonly deadlineAt: number;
  /** True once the call has finished: the sweeper drops it on its next tick. */
  readonly ended: boolean;
  expire(): void;
}

export class DeadlineSweeper {
  #calls: HasDeadline[] = [];
  readonly #tickMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(tickMs = 10) {
    this.#tickMs = tickMs;
  }

  add(call: HasDeadline): void {
    this.#calls.push(call);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#sweep(), this.#tickMs);
      this.#timer.unref?.();
    }
  }

  #sweep(): void {
    const calls = this.#calls;
    if (calls.length === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    // A fresh array: an expiring call may start another (its abort listener), which lands in it.
    this.#calls = [];
    const now = Date.now();
    for (const call of calls) {
      if (call.ended) continue;
      if (call.deadlineAt <= now) call.expire();
      else this.#calls.push(call);
    }
  }
}
