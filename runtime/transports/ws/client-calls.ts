/**
 * Client-side calls in flight: a unary call (a promise) and a server stream (an async iterator
 * that grants the server credit as the consumer takes items, and cancels on `return()`). Both fail
 * locally at their deadline (DEADLINE_EXCEEDED) or on abort (CANCELLED) and tell the server.
 * Browser-safe.
 */
import { timeoutFromDeadline } from '../../core/envelope.js';
import { AccordError } from '../../core/errors.js';
import { StreamInbox } from '../../core/stream-inbox.js';
import type { OutgoingCall } from '../../core/client-transport.js';
import type { PendingCall, Session } from './client-session.js';
import type { CallFrame, ServerFrame } from './protocol.js';

/** A call waiting for a connection. */
export interface SessionUser {
  attach(session: Session): void;
  fail(error: AccordError): void;
}

export interface CallHost {
  /** Attaches `user` to an open session now, or once one is connected; fails it if none can be. */
  withSession(user: SessionUser): void;
}

function callFrame(id: number, call: OutgoingCall, stream: boolean, credit: number): CallFrame {
  const frame: CallFrame = { type: 'call', id, service: call.service, version: call.version, method: call.method, input: call.input };
  if (call.deadline !== undefined) frame.timeout = timeoutFromDeadline(call.deadline);
  for (const _ in call.metadata) {
    frame.metadata = call.metadata;
    break;
  }
  if (stream) {
    frame.stream = true;
    frame.credit = credit;
  }
  return frame;
}

function deadlineError(call: OutgoingCall): AccordError {
  return new AccordError('DEADLINE_EXCEEDED', `${call.service}.v${call.version}.${call.method} did not finish before its deadline`);
}

function cancelError(signal: AbortSignal | undefined): AccordError {
  const reason = signal?.reason;
  return reason instanceof AccordError && reason.code === 'CANCELLED' ? reason : new AccordError('CANCELLED', 'the caller cancelled the call');
}

/** Deadline timer and abort listener shared by both kinds of call. */
abstract class CallBase implements PendingCall, SessionUser {
  #stream = false;
  #credit = 0;

  protected session: Session | undefined;
  protected finished = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onAbort: (() => void) | undefined;

  constructor(protected readonly host: CallHost, protected readonly id: number, protected readonly call: OutgoingCall) {}

  /** Arms deadline and abort; false if the call already failed before it started. */
  protected arm(): boolean {
    const { call } = this;
    if (call.signal?.aborted) {
      this.fail(cancelError(call.signal));
      return false;
    }
    if (call.deadline !== undefined) {
      const remaining = call.deadline - Date.now();
      if (remaining <= 0) {
        this.fail(deadlineError(call));
        return false;
      }
      this.#timer = setTimeout(() => this.abandon(deadlineError(call)), remaining);
    }
    if (call.signal) {
      const signal = call.signal;
      this.#onAbort = () => this.abandon(cancelError(signal));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    return true;
  }

  protected send(stream: boolean, credit: number): void {
    this.#stream = stream;
    this.#credit = credit;
    this.host.withSession(this);
  }

  /** Sends the call frame on `session` (now, or once the client connected). */
  attach(session: Session): void {
    if (this.finished) return;
    this.session = session;
    session.calls.set(this.id, this);
    try {
      session.send(callFrame(this.id, this.call, this.#stream, this.#credit));
    } catch (error) {
      this.fail(error instanceof AccordError ? error : new AccordError('INTERNAL', `could not send the call: ${(error as Error).message}`));
    }
  }

  /** Gives up locally (deadline, abort, early return) and tells the server to stop. */
  protected abandon(error: AccordError | undefined): void {
    if (this.finished) return;
    this.session?.trySend({ type: 'cancel', id: this.id });
    if (error) this.fail(error);
    else this.finish();
  }

  protected finish(): void {
    this.finished = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#onAbort) this.call.signal?.removeEventListener('abort', this.#onAbort);
    this.session?.calls.delete(this.id);
  }

  abstract deliver(frame: ServerFrame): void;
  abstract fail(error: AccordError): void;
}

export class UnaryCall extends CallBase {
  constructor(host: CallHost, id: number, call: OutgoingCall, private readonly resolve: (value: unknown) => void, private readonly reject: (error: AccordError) => void) {
    super(host, id, call);
  }

  start(): void {
    if (this.arm()) this.send(false, 0);
  }

  deliver(frame: ServerFrame): void {
    if (this.finished) return;
    this.finish();
    if (frame.type === 'result') this.resolve(frame.output);
    else if (frame.type === 'error') this.reject(AccordError.fromWire(frame.error));
    else this.reject(new AccordError('INTERNAL', `unexpected '${frame.type}' frame for a unary call`));
  }

  fail(error: AccordError): void {
    if (this.finished) return;
    this.finish();
    this.reject(error);
  }
}

export class StreamCall extends CallBase implements AsyncIterator<unknown> {
  /** Items as they arrive, granting the server credit as the consumer takes them (core/stream-inbox.ts). */
  readonly #inbox: StreamInbox;
  #started = false;

  constructor(host: CallHost, id: number, call: OutgoingCall, window: number) {
    super(host, id, call);
    this.#inbox = new StreamInbox(
      window,
      (credit) => {
        if (!this.finished) this.session?.trySend({ type: 'credit', id: this.id, credit });
      },
      () => this.abandon(undefined),
    );
  }

  next(): Promise<IteratorResult<unknown>> {
    if (!this.#started) {
      this.#started = true;
      if (this.arm()) this.send(true, this.#inbox.window);
    }
    return this.#inbox.next();
  }

  /** Breaking out of `for await` lands here: cancel the server's generator. */
  return(): Promise<IteratorResult<unknown>> {
    return this.#inbox.return();
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    void this.return();
    return Promise.reject(error);
  }

  deliver(frame: ServerFrame): void {
    if (this.finished) return;
    switch (frame.type) {
      case 'item':
        this.#inbox.push(frame.output);
        return;
      case 'end':
        this.finish();
        this.#inbox.end();
        return;
      case 'error':
        this.fail(AccordError.fromWire(frame.error));
        return;
      default:
        this.fail(new AccordError('INTERNAL', `unexpected '${frame.type}' frame for a stream`));
    }
  }

  fail(error: AccordError): void {
    if (this.finished) return;
    this.finish();
    this.#inbox.end(error);
  }
}
