/**
 * Calls in flight on the calling side: a unary call (a promise) and a server stream (an async
 * iterator that grants the callee credit as the consumer takes items, and cancels on `return()`).
 * Both fail locally at their deadline or on abort (core/call-deadline.ts) and tell the callee.
 * Browser-safe.
 */
import { CallDeadline } from '../core/call-deadline.js';
import type { OutgoingCall } from '../core/client-transport.js';
import { timeoutFromDeadline } from '../core/envelope.js';
import { AccordError } from '../core/errors.js';
import { StreamInbox } from '../core/stream-inbox.js';
import type { ClientSession, PendingCall } from './client-session.js';
import type { CallFrame, ServerFrame } from './frames.js';

/** A call waiting for a session to be sent on. */
export interface SessionUser {
  attach(session: ClientSession): void;
  fail(error: AccordError): void;
}

export interface CallHost {
  /** Attaches `user` to an open session now, or once one is connected; fails it if none can be. */
  withSession(user: SessionUser): void;
}

export function callFrame(id: number, call: OutgoingCall, stream: boolean, credit: number): CallFrame {
  const frame: CallFrame = { type: 'call', id, service: call.service, version: call.version, method: call.method, input: call.input };
  if (call.deadline !== undefined) frame.timeout = timeoutFromDeadline(call.deadline);
  for (const _ in call.metadata) {
    frame.metadata = call.metadata;
    break;
  }
  if (call.hops) frame.hops = call.hops;
  if (call.traceparent) frame.traceparent = call.traceparent;
  if (call.visited?.length) frame.visited = [...call.visited];
  if (stream) {
    frame.stream = true;
    frame.credit = credit;
  }
  return frame;
}

/** Deadline, abort and the session a call was sent on, shared by both kinds of call. */
abstract class CallBase implements PendingCall, SessionUser {
  #stream = false;
  #credit = 0;
  protected session: ClientSession | undefined;
  protected finished = false;
  #deadline: CallDeadline | undefined;

  constructor(protected readonly host: CallHost, protected readonly id: number, protected readonly call: OutgoingCall) {}

  /** Arms deadline and abort; false if the call already failed before it started. */
  protected arm(): boolean {
    if (this.call.deadline === undefined && this.call.signal === undefined) return true;
    const deadline = new CallDeadline(this.call, (error) => this.abandon(error));
    if (deadline.early) {
      this.fail(deadline.early);
      return false;
    }
    this.#deadline = deadline;
    return true;
  }

  protected send(stream: boolean, credit: number): void {
    this.#stream = stream;
    this.#credit = credit;
    this.host.withSession(this);
  }

  /** Sends the call frame on `session` (now, or once the client connected). */
  attach(session: ClientSession): void {
    if (this.finished) return;
    this.session = session;
    session.calls.set(this.id, this);
    try {
      session.send(callFrame(this.id, this.call, this.#stream, this.#credit));
    } catch (error) {
      this.fail(error instanceof AccordError ? error : new AccordError('INTERNAL', `could not send the call: ${(error as Error).message}`));
    }
  }

  /** Gives up locally (deadline, abort, early return) and tells the callee to stop. */
  protected abandon(error: AccordError | undefined): void {
    if (this.finished) return;
    this.session?.trySend({ type: 'cancel', id: this.id });
    if (error) this.fail(error);
    else this.finish();
  }

  protected finish(): void {
    this.finished = true;
    this.#deadline?.dispose();
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

/**
 * A server stream. Its consumer iterates `items` (core/stream-inbox.ts), which starts the call on
 * the first pull, grants the callee credit as items are taken, and cancels on `return()` (a
 * `break` out of `for await`).
 */
export class StreamCall extends CallBase {
  readonly items: StreamInbox;

  constructor(host: CallHost, id: number, call: OutgoingCall, window: number) {
    super(host, id, call);
    this.items = new StreamInbox(
      window,
      (credit) => {
        if (!this.finished) this.session?.trySend({ type: 'credit', id: this.id, credit });
      },
      () => this.abandon(undefined),
      () => {
        if (this.arm()) this.send(true, this.items.window);
      },
    );
  }

  deliver(frame: ServerFrame): void {
    if (this.finished) return;
    switch (frame.type) {
      case 'item':
        this.items.push(frame.output);
        return;
      case 'end':
        this.finish();
        this.items.end();
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
    this.items.end(error);
  }
}
