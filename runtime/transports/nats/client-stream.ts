/**
 * A server stream from the caller's side. Items arrive on the call's own reply subject (its
 * per-stream inbox), numbered from 0, so a gap (messages lost across a reconnect) fails the stream
 * instead of silently skipping items. The consumer's pace grants the server credit on the server's
 * control subject (core StreamInbox), `return()` sends cancel, and the caller pings the server
 * while the stream is open, so each side notices the other dying within a bounded time.
 */
import type { Msg } from '@nats-io/transport-node';
import type { OutgoingCall } from '../../core/client-transport.js';
import { AccordError } from '../../core/errors.js';
import { StreamInbox } from '../../core/stream-inbox.js';
import { CallBase, isNoResponders, type CallHost } from './client-calls.js';
import { codecOf, decodeBody, HEADERS, replyError } from './wire.js';

export class StreamCall extends CallBase {
  readonly streaming = true;
  /** What the consumer iterates: starts the call on the first pull, grants credit, cancels on return(). */
  readonly items: StreamInbox;
  /** Sequence number the next item or end must carry. */
  #expected = 0;

  constructor(host: CallHost, call: OutgoingCall, window: number) {
    super(host, call);
    this.items = new StreamInbox(
      window,
      (credit) => {
        if (!this.finished) this.host.control(this, 'credit', credit);
      },
      () => this.abandon(undefined, true),
      () => this.begin(this.items.window),
    );
  }

  deliver(msg: Msg): void {
    if (this.finished) return;
    const headers = msg.headers;
    if (!headers) return this.fail(new AccordError('PROTOCOL_ERROR', `the server answered the stream ${this.#name()} with a plain reply; is it an Accord server?`));
    if (isNoResponders(msg)) return this.noResponders();
    this.heard(headers);
    const error = replyError(msg);
    if (error) return this.fail(error);
    const frame = headers.get(HEADERS.frame);
    if (frame === 'ping') return;
    if (frame !== 'item' && frame !== 'end') return this.fail(new AccordError('PROTOCOL_ERROR', `unexpected '${frame}' message in the stream ${this.#name()}`));
    const seq = Number(headers.get(HEADERS.seq));
    if (seq !== this.#expected) {
      this.host.control(this, 'cancel');
      return this.fail(new AccordError('UNAVAILABLE', `the stream ${this.#name()} lost messages (expected item ${this.#expected}, got ${seq}); the connection to NATS was interrupted`));
    }
    if (frame === 'end') {
      this.finish();
      this.items.end();
      return;
    }
    this.#expected++;
    let item: unknown;
    try {
      item = decodeBody(codecOf(headers.get(HEADERS.contentType) || undefined), msg.data, `item ${seq} of the stream`);
    } catch (error) {
      this.host.control(this, 'cancel');
      return this.fail(error as AccordError);
    }
    this.items.push(item);
  }

  fail(error: AccordError): void {
    if (this.finished) return;
    this.finish();
    this.items.end(error);
  }

  #name(): string {
    return `${this.call.service}.v${this.call.version}.${this.call.method}`;
  }
}
