/**
 * "Flush once this turn is over": everything queued during one turn of the event loop leaves in
 * one write (one WebSocket message, one TCP write, one postMessage to a worker). Shared by every
 * outbox. Browser-safe.
 */
import { nextTurn } from '../core/next-turn.js';

export class TurnFlush {
  #scheduled = false;
  readonly #run = () => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(private readonly flush: () => void) {}

  /** Makes sure `flush` runs at the end of this turn (once, however often it is asked). */
  request(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    nextTurn(this.#run);
  }
}
