/**
 * One call on its way through a router: settles with the router's answer, or with the abort reason
 * as soon as the call's scope aborts (the caller cancelled, or the deadline passed: the shared
 * deadline sweeper expires it, so there is no timer per call). A forwarding node does this for
 * every call it passes on.
 */
import type { CallScope } from './call-scope.js';
import type { DeadlineSweeper, HasDeadline } from './deadline-sweeper.js';
import { AccordError } from './errors.js';

export class RoutedCall implements HasDeadline {
  /** Over: the sweeper drops it on its next tick. */
  ended = false;

  constructor(
    readonly scope: CallScope,
    readonly deadlineAt: number,
    private readonly what: string,
    deadlines: DeadlineSweeper,
  ) {
    deadlines.add(this);
  }

  /** The router's answer to a unary call, or the scope's abort reason first; then the call is over. */
  settle(answer: Promise<unknown>): Promise<unknown> {
    return this.step(answer, true);
  }

  /** One step of a routed stream (or its whole answer, `last`), or the scope's abort reason first. */
  step(work: Promise<unknown>, last = false): Promise<unknown> {
    const scope = this.scope;
    if (scope.aborted) {
      this.ended = true;
      work.catch(ignore); // nobody waits for it any more: its failure is not unhandled
      return Promise.reject(reasonOf(scope.reason));
    }
    return new Promise((resolve, reject) => {
      let pending = true;
      const stopWatching = scope.onAbort((reason) => {
        if (!pending) return;
        pending = false;
        this.ended = true;
        reject(reasonOf(reason));
      });
      work.then(
        (value) => {
          if (!pending) return;
          pending = false;
          if (last) this.ended = true;
          stopWatching();
          resolve(value);
        },
        (error: unknown) => {
          if (!pending) return;
          pending = false;
          this.ended = true;
          stopWatching();
          reject(error);
        },
      );
    });
  }

  expire(): void {
    this.scope.abort(new AccordError('DEADLINE_EXCEEDED', `${this.what} did not finish before its deadline`));
  }
}

function reasonOf(reason: unknown): AccordError {
  return reason instanceof AccordError ? reason : new AccordError('CANCELLED', 'the caller cancelled the call');
}

function ignore(): void {}
