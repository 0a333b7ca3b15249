/**
 * One call between validation and its end: its cancellation scope, its deadline and the
 * Execution handed to an executor. A class so the hot path allocates one object, not closures.
 */
import type { MethodContract, ServiceContract } from '../contract/index.js';
import type { CallScope } from './call-scope.js';
import type { ContextData } from './context.js';
import type { DeadlineSweeper, HasDeadline } from './deadline-sweeper.js';
import { AccordError } from './errors.js';
import type { Execution, Executor } from './executor.js';
import type { RunningCalls } from './running-calls.js';
import type { ResolvedMethod } from './service-table.js';

/** Reason given to handlers still watching their signal after the call ended (shared: no per-call stack capture). */
const CALL_ENDED = new AccordError('CANCELLED', 'the call has ended');

export class ActiveCall implements Execution, HasDeadline {
  #ended = false;
  /** Metrics' per-call slot (runtime/observability): the counters this call updates when it ends. */
  statsCell: unknown = undefined;
  /** Tracing's per-call slot: the server span, when a tracer is registered. */
  span: unknown = undefined;

  constructor(
    readonly service: ServiceContract,
    readonly name: string,
    readonly method: MethodContract,
    readonly input: unknown,
    readonly context: ContextData,
    readonly scope: CallScope,
    readonly executor: Executor,
    readonly deadlineAt: number,
    private readonly deadlines: DeadlineSweeper,
    /** The method as the service table resolved it (shared, read-only). */
    readonly target: ResolvedMethod,
    /** The transport the call came in on ('http', 'ws', ...), from the envelope. */
    readonly transport: string | undefined,
    /** When the dispatcher received the call (monotonicNow(); 0 without telemetry). */
    readonly startedAt: number,
    /** The dispatcher's count of running calls: this call is in it until done(). */
    private readonly running: RunningCalls,
  ) {
    running.count++;
  }

  /**
   * Starts watching the deadline. Only calls that go asynchronous need it: the sweeper's timer
   * cannot fire while a synchronous handler runs, so a call that ends in the turn it began skips
   * the sweeper entirely.
   */
  watchDeadline(): void {
    this.deadlines.add(this);
  }

  get signal(): AbortSignal {
    return this.scope.signal;
  }

  expire(): void {
    this.scope.abort(new AccordError('DEADLINE_EXCEEDED', `${this.service.name}.v${this.service.version}.${this.name} did not finish before its deadline`));
  }

  /** Settles with `work`, or rejects with the abort reason as soon as the call is aborted. */
  guard<T>(work: PromiseLike<T>): Promise<T> {
    const scope = this.scope;
    if (scope.aborted) {
      work.then(undefined, ignore); // nobody waits for it any more: its failure is not unhandled
      return Promise.reject(scope.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const remove = scope.onAbort(reject);
      work.then(
        (value) => {
          remove();
          resolve(value);
        },
        (error) => {
          remove();
          reject(error);
        },
      );
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /**
   * The one promise of an async unary call: resolves with `finish(output)` once `work` settles, or
   * rejects with `fail(reason)` as soon as the call aborts (deadline, cancel), whichever is first.
   * guard() + then() + the transport's then() were three promises per call; this is one.
   */
  settle(
    work: PromiseLike<unknown>,
    finish: (call: ActiveCall, output: unknown) => unknown,
    fail: (call: ActiveCall, error: unknown) => unknown,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let pending = true;
      const failWith = (error: unknown) => {
        if (!pending) return;
        pending = false;
        reject(fail(this, error));
      };
      if (this.scope.aborted) {
        work.then(undefined, ignore); // nobody waits for it any more: its failure is not unhandled
        return failWith(this.scope.reason);
      }
      const stopWatching = this.scope.onAbort(failWith);
      work.then(
        (output) => {
          if (!pending) return;
          pending = false;
          stopWatching();
          try {
            resolve(finish(this, output));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => {
          stopWatching();
          failWith(error);
        },
      );
    });
  }

  done(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.running.count--;
    // A finished call no longer needs its handler; late work that watches the signal sees the abort.
    if (this.scope.observed) this.scope.abort(CALL_ENDED);
  }
}

function ignore(): void {}
