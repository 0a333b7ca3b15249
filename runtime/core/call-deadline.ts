/**
 * The caller's side of a call's end: its deadline and its AbortSignal. Every client transport binds
 * each outgoing call with one of these, so a call fails locally with DEADLINE_EXCEEDED or CANCELLED
 * at the same moment and with the same error whichever transport carries it (the server is told
 * too, by the transport: a cancel frame, an aborted fetch). Browser-safe: no Node imports.
 */
import type { OutgoingCall } from './client-transport.js';
import { AccordError } from './errors.js';

export function deadlineError(call: OutgoingCall): AccordError {
  return new AccordError('DEADLINE_EXCEEDED', `${call.service}.v${call.version}.${call.method} did not finish before its deadline`);
}

/** The caller's own CANCELLED reason when it gave one, else a plain CANCELLED. */
export function cancelError(signal: AbortSignal | undefined): AccordError {
  const reason = signal?.reason;
  return reason instanceof AccordError && reason.code === 'CANCELLED' ? reason : new AccordError('CANCELLED', 'the caller cancelled the call');
}

export class CallDeadline {
  /** Set when the call had already ended before it started (deadline passed, signal aborted). */
  readonly early: AccordError | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;

  /** `onEnd` runs at most once, when the deadline passes or the caller aborts first. */
  constructor(call: OutgoingCall, onEnd: (error: AccordError) => void) {
    const signal = call.signal;
    if (signal?.aborted) {
      this.early = cancelError(signal);
      return;
    }
    if (call.deadline !== undefined) {
      const remaining = call.deadline - Date.now();
      if (remaining <= 0) {
        this.early = deadlineError(call);
        return;
      }
      this.#timer = setTimeout(() => {
        this.dispose();
        onEnd(deadlineError(call));
      }, remaining);
    }
    if (signal) {
      this.#signal = signal;
      this.#onAbort = () => {
        this.dispose();
        onEnd(cancelError(signal));
      };
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** The call settled: stop watching. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#onAbort = undefined;
  }
}
