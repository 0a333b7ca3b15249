/**
 * The server-side transport interface. A transport turns bytes into call envelopes for the
 * dispatcher and results back into bytes; it never validates, authorizes or runs handlers.
 */
import type { Dispatcher } from './dispatcher.js';

export interface ServerTransport {
  /** 'http', 'ws', 'mesh', 'nats': used in logs and config. */
  readonly name: string;
  /** Starts accepting calls for `dispatcher`. */
  start(dispatcher: Dispatcher): Promise<void>;
  /**
   * Stops accepting new calls, waits up to `graceMs` for in-flight calls to finish, then closes
   * what is left (those calls fail with UNAVAILABLE).
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Where it listens, once started (e.g. `http://127.0.0.1:3000`). */
  readonly url?: string;
}
