/**
 * Waiting on work that belongs to a call: bounded by the call's deadline and cancellation, so
 * nothing a call waits for (an auth hook, a guard, a routed call) can hold it past either.
 */
import { CallScope } from './call-scope.js';
import { AccordError } from './errors.js';

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

/**
 * `work`, or DEADLINE_EXCEEDED at `deadline`, or the abort reason (CANCELLED unless the canceller
 * gave an AccordError) when `cancel` aborts first. Async auth hooks, guards and routed calls go
 * through this: a hook or a peer that never answers must not hold the call, or its transport slot.
 */
export function bounded<T>(work: Promise<T>, cancel: CallScope | AbortSignal | undefined, deadline: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancelled = (reason?: unknown) => reject(reason instanceof AccordError ? reason : new AccordError('CANCELLED', 'the caller cancelled the call'));
    const timer = Number.isFinite(deadline)
      ? setTimeout(() => reject(new AccordError('DEADLINE_EXCEEDED', `${what} did not finish before the deadline`)), Math.max(0, deadline - Date.now()))
      : undefined;
    let stopWatching: () => void;
    if (cancel instanceof CallScope) stopWatching = cancel.onAbort(cancelled);
    else if (cancel) {
      const onAbort = () => cancelled(cancel.reason);
      cancel.addEventListener('abort', onAbort, { once: true });
      stopWatching = () => cancel.removeEventListener('abort', onAbort);
    } else stopWatching = () => undefined;
    const settle = () => {
      clearTimeout(timer);
      stopWatching();
    };
    work.then((value) => { settle(); resolve(value); }, (error: unknown) => { settle(); reject(error); });
  });
}
