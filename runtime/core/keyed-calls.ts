/**
 * Unary calls that carry an idempotency key (`idempotency-key` metadata): the dispatcher sends them
 * here, and only them, so calls without a key pay for none of this. A keyed call is admitted like
 * any other (auth, validation, guards), then, by method, key and caller:
 * - no entry: it is the first attempt; its handler runs, and its outcome is remembered when it is
 *   output or a declared (contract) error; any other failure is forgotten;
 * - an attempt running: it joins it and gets its outcome, whatever it is;
 * - a finished entry: it gets the remembered outcome at once; the handler does not run.
 * The handler of a first attempt answers to its deadline only, not to its caller going away: a
 * caller that sends a key says it will retry, and its retry joins the attempt.
 * docs/reliability.md has the whole contract.
 */
import { ActiveCall } from './active-call.js';
import { findCredential } from './auth.js';
import { bounded, isPromiseLike } from './bounded.js';
import { CallScope } from './call-scope.js';
import { META_HEADERS, type CallEnvelope } from './envelope.js';
import { AccordError } from './errors.js';
import type { IdempotencyStore, KeyEntry } from './idempotency.js';

/** What the dispatcher does for a keyed call; keyed calls only decide whether the handler runs. */
export interface KeyedCallSteps {
  /** Admission (lookup, hops, deadline, auth, input, guards) with the scope the handler will see. */
  admit(envelope: CallEnvelope, scope: CallScope, startedAt: number): ActiveCall | Promise<ActiveCall>;
  /** Runs an admitted call: its output, or a promise of it; throws an AccordError (the call is closed by then). */
  run(call: ActiveCall): unknown;
  /** A call that failed before its handler could run, mapped to the error model and counted. */
  refuse(envelope: CallEnvelope, error: unknown, startedAt: number): AccordError;
  /** Ends an admitted call whose handler did not run (it joined or replayed), counted with `error`. */
  close(call: ActiveCall, error: AccordError | undefined): void;
}

/** Visible ASCII, so ids built from it are unambiguous and a key fits in any header. */
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

export class KeyedCalls {
  readonly store: IdempotencyStore;
  readonly #steps: KeyedCallSteps;

  constructor(store: IdempotencyStore, steps: KeyedCallSteps) {
    this.store = store;
    this.#steps = steps;
  }

  /**
   * Throws only before admission, with the error as it is (the dispatcher refuses it); from
   * admission on, returns the output or a promise of it.
   */
  unary(envelope: CallEnvelope, key: string, cancel: CallScope | AbortSignal | undefined, startedAt: number): unknown {
    if (!KEY_FORMAT.test(key)) {
      throw new AccordError('INVALID_ARGUMENT', `${META_HEADERS.idempotencyKey} must be 1 to 255 visible ASCII characters, got '${key.slice(0, 80)}'`);
    }
    const begun = this.#steps.admit(envelope, new CallScope(), startedAt);
    if (begun instanceof ActiveCall) return this.#answer(begun, key, cancel);
    return begun.then((call) => this.#answer(call, key, cancel), (error: unknown) => Promise.reject(this.#steps.refuse(envelope, error, startedAt)));
  }

  #answer(call: ActiveCall, key: string, cancel: CallScope | AbortSignal | undefined): unknown {
    const id = `${call.service.name}.v${call.service.version}.${call.name}\n${key}\n${callerOf(call)}`;
    const entry = this.store.lookup(id);
    if (entry === undefined) return this.#first(call, id, cancel);
    if (entry.finished) {
      this.#steps.close(call, entry.error);
      return entry.error === undefined ? entry.output : Promise.reject(entry.error);
    }
    return this.#join(call, entry, cancel);
  }

  /** Runs the handler; its caller may stop waiting (cancel, disconnect), the attempt goes on. */
  #first(call: ActiveCall, id: string, cancel: CallScope | AbortSignal | undefined): unknown {
    const entry = this.store.begin(id);
    let result: unknown;
    try {
      result = this.#steps.run(call);
    } catch (error) {
      this.#record(call, id, entry, undefined, error as AccordError);
      return Promise.reject(error);
    }
    if (!isPromiseLike(result)) {
      this.#record(call, id, entry, result, undefined);
      return result;
    }
    const settled = Promise.resolve(result).then(
      (output) => {
        this.#record(call, id, entry, output, undefined);
        return output;
      },
      (error: AccordError) => {
        this.#record(call, id, entry, undefined, error);
        throw error;
      },
    );
    return cancel === undefined ? settled : bounded(settled, cancel, Infinity, 'the call');
  }

  /** A retry while the first attempt runs: it waits (within its own deadline) and shares the outcome. */
  #join(call: ActiveCall, entry: KeyEntry, cancel: CallScope | AbortSignal | undefined): Promise<unknown> {
    return bounded(entry.finishedPromise(), cancel, call.deadlineAt, 'the first attempt with this idempotency key').then(
      () => {
        this.#steps.close(call, entry.error);
        if (entry.error !== undefined) throw entry.error;
        return entry.output;
      },
      (error: AccordError) => {
        this.#steps.close(call, error);
        throw error;
      },
    );
  }

  /** Output and declared errors are the handler's answer: kept. Anything else is forgotten, so a retry runs again. */
  #record(call: ActiveCall, id: string, entry: KeyEntry, output: unknown, error: AccordError | undefined): void {
    const remember = error === undefined || Object.hasOwn(call.method.errors, error.code);
    this.store.finish(id, entry, output, error, remember);
  }
}

/**
 * Whose key it is, so one caller never gets another's outcome: the authenticated subject, else the
 * credential presented (a scheme's, or any `authorization`), else '' (callers without credentials
 * share one space; their random keys are what keeps them apart).
 */
function callerOf(call: ActiveCall): string {
  const principal = call.context.auth;
  if (principal !== undefined) return `p:${principal.subject}`;
  const headers = call.context.meta.headers;
  const schemes = call.service.securitySchemes;
  const credential = findCredential(headers, Object.keys(schemes), schemes);
  if (credential !== undefined) return `c:${credential.scheme}:${credential.token}`;
  return headers.authorization === undefined ? '' : `a:${headers.authorization}`;
}
