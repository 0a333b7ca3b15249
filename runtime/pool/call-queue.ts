/**
 * Calls waiting for a worker, first come first served. A call that leaves early (cancelled, past
 * its deadline) is only marked (`queued = false`) and skipped when its turn comes, so leaving is O(1).
 */
import type { PoolCall } from './slot.js';

export class CallQueue {
  #items: (PoolCall | undefined)[] = [];
  #head = 0;
  #size = 0;

  /** Calls still waiting. */
  get size(): number {
    return this.#size;
  }

  push(call: PoolCall): void {
    call.queued = true;
    this.#size++;
    this.#items.push(call);
  }

  /** Takes `call` out of the queue (it stays in the array until its turn, marked as gone). */
  remove(call: PoolCall): void {
    if (!call.queued) return;
    call.queued = false;
    this.#size--;
  }

  shift(): PoolCall | undefined {
    while (this.#head < this.#items.length) {
      const call = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      if (call?.queued) {
        call.queued = false;
        this.#size--;
        if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
          this.#items = this.#items.slice(this.#head);
          this.#head = 0;
        }
        return call;
      }
    }
    // Only calls that left early were left.
    this.#items = [];
    this.#head = 0;
    return undefined;
  }
}
