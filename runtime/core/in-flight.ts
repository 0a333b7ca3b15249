/**
 * Counts calls in flight against a limit, and lets a graceful stop wait until they are done.
 * Shared by transports that cap in-flight calls per connection or per node (WebSocket, mesh).
 * Browser-safe: no Node imports.
 */
export class InFlight {
  readonly limit: number;
  #count = 0;
  #idle: Array<() => void> = [];

  constructor(limit = Infinity) {
    this.limit = limit;
  }

  get size(): number {
    return this.#count;
  }

  /** Takes a slot; false when the limit is reached (the caller answers RESOURCE_EXHAUSTED). */
  tryAcquire(): boolean {
    if (this.#count >= this.limit) return false;
    this.#count++;
    return true;
  }

  release(): void {
    if (this.#count > 0) this.#count--;
    if (this.#count === 0 && this.#idle.length > 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`; true if it drained in time. */
  idle(timeoutMs = Infinity): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => finish(false), timeoutMs) : undefined;
      const finish = (drained: boolean) => {
        if (timer !== undefined) clearTimeout(timer);
        const index = this.#idle.indexOf(onIdle);
        if (index >= 0) this.#idle.splice(index, 1);
        resolve(drained);
      };
      const onIdle = () => finish(true);
      this.#idle.push(onIdle);
    });
  }
}
