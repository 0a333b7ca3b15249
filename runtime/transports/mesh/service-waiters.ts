/**
 * Promises waiting for a service to become reachable (`whenReachable`, a meshClient's `ready`):
 * checked again whenever links or records change, ended with UNAVAILABLE after their timeout or
 * when the node stops.
 */
import { AccordError } from '../../core/errors.js';

interface Waiter {
  check: () => boolean;
  settle: (error?: AccordError) => void;
}

export class ServiceWaiters {
  #waiters: Waiter[] = [];

  /** Resolves once `check()` holds (checked now and after each change), or rejects with `timeoutError` after `timeoutMs`. */
  wait(check: () => boolean, timeoutMs: number, timeoutError: () => AccordError): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check,
        settle: (error) => {
          clearTimeout(timer);
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          if (error) reject(error);
          else resolve();
        },
      };
      const timer = setTimeout(() => waiter.settle(timeoutError()), timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Something changed: settle the waiters whose check holds now. */
  changed(): void {
    if (this.#waiters.length === 0) return;
    for (const waiter of this.#waiters.filter((w) => w.check())) waiter.settle();
  }

  /** Ends every waiter with `error`. */
  fail(error: AccordError): void {
    for (const waiter of [...this.#waiters]) waiter.settle(error);
  }
}
