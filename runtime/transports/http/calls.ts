/**
 * In-flight calls of the HTTP server. Each call gets a cancellation scope that aborts when its
 * client disconnects (the handler sees it as ctx.signal); the set lets a graceful stop wait for
 * calls to finish, then cut the ones still running.
 *
 * Hot path: no per-request event listener (adding one to a ServerResponse measured ~1 µs a call).
 * One `close` listener per socket aborts whatever calls that socket still has, and the routes
 * release a call themselves once its response is handed to the socket. CallScope, not
 * AbortController: a real AbortSignal exists only if a handler looks at ctx.signal.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { CallScope } from '../../core/call-scope.js';
import { AccordError } from '../../core/errors.js';
import { InFlight } from '../../core/in-flight.js';

const kCalls = Symbol('accord.httpCalls');

type TrackedSocket = Socket & { [kCalls]?: Set<TrackedCall> };

const DISCONNECTED = () => new AccordError('CANCELLED', 'the client disconnected');

/** One call: its cancellation scope (the call *is* the scope: one allocation), tracked until released. */
export class TrackedCall extends CallScope {
  /** Set when the server cut the call at the end of its grace period. */
  shutdown = false;
  #released = false;

  constructor(
    readonly owner: InFlightCalls,
    readonly onSocket: Set<TrackedCall>,
  ) {
    super();
  }

  /** The error to report instead of whatever the dispatcher threw, if the server cut the call. */
  overrideError(): AccordError | undefined {
    return this.shutdown ? new AccordError('UNAVAILABLE', 'the server shut down before the call finished') : undefined;
  }

  /** The response was handed to the socket (or the client is gone): the call no longer counts. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.onSocket.delete(this);
    this.owner.released();
  }
}

export class InFlightCalls {
  /** Sockets with calls in flight, each holding its set of calls. */
  readonly #sockets = new Set<Set<TrackedCall>>();
  /** The count and the wait for it to reach zero (core's, as every transport counts). */
  readonly #count = new InFlight();

  get size(): number {
    return this.#count.size;
  }

  /** Tracks a call until `release()`; it aborts if the request's connection closes first. */
  track(req: IncomingMessage): TrackedCall {
    const socket = req.socket as TrackedSocket;
    let onSocket = socket[kCalls];
    if (!onSocket) {
      const calls = (onSocket = socket[kCalls] = new Set());
      this.#sockets.add(calls);
      socket.once('close', () => {
        this.#sockets.delete(calls);
        for (const call of calls) if (!call.aborted) call.abort(DISCONNECTED());
      });
    }
    const call = new TrackedCall(this, onSocket);
    onSocket.add(call);
    this.#count.tryAcquire();
    return call;
  }

  released(): void {
    this.#count.release();
  }

  /** Resolves true when no call is in flight, or false after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    return this.#count.idle(timeoutMs);
  }

  /** Cuts every call still running: handlers see their signal abort, callers get UNAVAILABLE. */
  abortAll(): void {
    for (const calls of this.#sockets) {
      for (const call of calls) {
        call.shutdown = true;
        if (!call.aborted) call.abort(new AccordError('UNAVAILABLE', 'the server is shutting down'));
      }
    }
  }
}
