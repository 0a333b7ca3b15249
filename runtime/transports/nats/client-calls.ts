/**
 * A call in flight from the caller's side (the client transport, or the router calling another
 * server): its deadline, its cancellation, and how it ends. Replies arrive through the caller's one
 * multiplexed inbox (caller.ts), which hands each message to its call. `UnaryCall` is here; the
 * server stream is in client-stream.ts.
 */
import type { Msg, MsgHdrs } from '@nats-io/transport-node';
import { CallDeadline } from '../../core/call-deadline.js';
import type { OutgoingCall } from '../../core/client-transport.js';
import { AccordError } from '../../core/errors.js';
import { codecOf, decodeBody, HEADERS, replyError } from './wire.js';

/** What a call needs from the caller that owns the inbox. */
export interface CallHost {
  /** Builds the request headers (metadata, deadline, network context, heartbeat, codec, stream credit). */
  requestHeaders(call: OutgoingCall, streamCredit?: number): MsgHdrs | undefined;
  /** Registers the call under its reply subject and publishes the request (now, or after a reconnect). */
  open(call: CallBase, subject: string, data: Uint8Array, headers: MsgHdrs | undefined): void;
  /** Removes the call from the inbox. */
  forget(call: CallBase): void;
  /** Sends a control frame (credit, cancel, ping) about `call` to its server. */
  control(call: CallBase, frame: 'credit' | 'cancel' | 'ping', credit?: number): void;
  /** UNIMPLEMENTED or UNAVAILABLE, after asking who serves what (nobody listened on `subject`). */
  explainNoResponders(call: OutgoingCall, subject: string): Promise<AccordError>;
  encode(value: unknown): Uint8Array;
  subject(call: OutgoingCall): string;
}

/** Whether `msg` is the NATS server's "no responders" status (503, no body). */
export function isNoResponders(msg: Msg): boolean {
  return msg.data.length === 0 && msg.headers?.code === 503;
}

export abstract class CallBase {
  /** Token of the reply subject (`<inbox>.<id>`), set by the caller when the call opens. */
  id = '';
  reply = '';
  /** Whether the request has been published (false while it waits for a reconnect). */
  sent = false;
  /** When anything last came from the server for this call (reply, item, ping), or when it was sent. */
  lastHeard = 0;
  /** When this side last sent a control frame or probe (so it sends one per heartbeat interval at most). */
  lastSent = 0;
  /** The server's control subject for this call, once a ping or the first stream item named it. */
  control: string | undefined;
  protected finished = false;
  #deadline: CallDeadline | undefined;

  constructor(protected readonly host: CallHost, readonly call: OutgoingCall) {}

  abstract readonly streaming: boolean;
  abstract deliver(msg: Msg): void;
  abstract fail(error: AccordError): void;

  /** Arms the deadline and cancellation (core CallDeadline), then publishes; fails at once if either already passed. */
  protected begin(streamCredit?: number): void {
    const { call } = this;
    if (call.deadline !== undefined || call.signal) {
      // No cancel frame at the deadline: the server got the same deadline and stops on its own.
      const deadline = new CallDeadline(call, (error) => this.abandon(error, error.code === 'CANCELLED'));
      if (deadline.early) return this.fail(deadline.early);
      this.#deadline = deadline;
    }
    let data: Uint8Array;
    let headers: MsgHdrs | undefined;
    try {
      data = this.host.encode(call.input);
      headers = this.host.requestHeaders(call, streamCredit);
    } catch (error) {
      return this.fail(error instanceof AccordError ? error : new AccordError('INVALID_ARGUMENT', `the input cannot be encoded: ${(error as Error)?.message ?? error}`));
    }
    this.host.open(this, this.host.subject(call), data, headers);
  }

  /** Gives up locally (deadline, cancel, a consumer that stopped) and, when asked, tells the server to stop. */
  abandon(error: AccordError | undefined, tellServer: boolean): void {
    if (this.finished) return;
    if (tellServer && this.sent) this.host.control(this, 'cancel');
    if (error) this.fail(error);
    else this.finish();
  }

  /** Remembers where the server takes control frames (sent on pings and the first stream message). */
  protected heard(headers: MsgHdrs): void {
    this.lastHeard = Date.now();
    if (this.control === undefined) this.control = headers.get(HEADERS.control) || undefined;
  }

  protected noResponders(): void {
    this.host.forget(this);
    const subject = this.host.subject(this.call);
    this.host.explainNoResponders(this.call, subject).then((error) => this.fail(error), () => this.fail(new AccordError('UNAVAILABLE', `nobody answered ${subject}`)));
  }

  protected finish(): void {
    this.finished = true;
    this.#deadline?.dispose();
    this.host.forget(this);
  }
}

export class UnaryCall extends CallBase {
  readonly streaming = false;

  constructor(host: CallHost, call: OutgoingCall, private readonly resolve: (value: unknown) => void, private readonly reject: (error: AccordError) => void) {
    super(host, call);
  }

  start(): void {
    this.begin();
  }

  deliver(msg: Msg): void {
    if (this.finished) return;
    const headers = msg.headers;
    let contentType: string | undefined;
    if (headers) {
      if (isNoResponders(msg)) return this.noResponders();
      if (headers.get(HEADERS.frame) === 'ping') return this.heard(headers);
      const error = replyError(msg);
      if (error) return this.fail(error);
      contentType = headers.get(HEADERS.contentType) || undefined;
    }
    let output: unknown;
    try {
      output = decodeBody(codecOf(contentType), msg.data, 'the reply');
    } catch (error) {
      return this.fail(error as AccordError);
    }
    this.finish();
    this.resolve(output);
  }

  fail(error: AccordError): void {
    if (this.finished) return;
    this.finish();
    this.reject(error);
  }
}
