/**
 * Credit-based flow control for server streams, shared by transports that multiplex streams over
 * one connection (WebSocket, TCP mesh, NATS). The receiver grants the sender a number of items;
 * the sender pulls the next item from the dispatcher's generator only while it holds credit, so a
 * slow consumer pauses the handler instead of making the server buffer without bound.
 * Browser-safe: no Node imports.
 */

/** Sender side: how many items may still be sent, and a way to wait for more. */
export class CreditWindow {
  #credit: number;
  #max: number;
  #waiter: (() => void) | undefined;
  #closed = false;

  /** `max` caps the credit a receiver can hold at once (a receiver granting more is clamped). */
  constructor(initial: number, max = Infinity) {
    this.#max = max;
    this.#credit = Math.max(0, Math.min(initial, max));
  }

  get available(): number {
    return this.#credit;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Adds credit (clamped to the maximum) and wakes a waiting sender. */
  grant(n: number): void {
    if (!(n > 0)) return;
    this.#credit = Math.min(this.#max, this.#credit + Math.floor(n));
    this.#wake();
  }

  /** Consumes one credit; false when there is none. */
  take(): boolean {
    if (this.#credit <= 0) return false;
    this.#credit--;
    return true;
  }

  /** Resolves when there is credit or the window closed (check `closed` after). */
  wait(): Promise<void> {
    if (this.#credit > 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Ends the window (stream cancelled or connection gone): a waiting sender wakes and stops. */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}

/**
 * Receiver side: grants the whole window up front, then re-grants what the consumer has taken
 * once half the window is used, so the sender never stalls on a fast consumer and never has more
 * than `window` items outstanding on a slow one.
 */
export class CreditGrant {
  readonly window: number;
  #consumed = 0;

  constructor(window: number) {
    this.window = Math.max(1, Math.floor(window));
  }

  /** Records one consumed item; returns the credit to send now (0: not yet). */
  consumed(): number {
    this.#consumed++;
    if (this.#consumed < Math.ceil(this.window / 2)) return 0;
    const grant = this.#consumed;
    this.#consumed = 0;
    return grant;
  }
}
