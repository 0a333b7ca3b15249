/**
 * The client-side transport interface lives in core (the dispatcher makes nested calls with it);
 * clients re-export it. The retry policy here adds what only clients do: retrying methods that are
 * not idempotent, under an idempotency key (routers in core never retry).
 */
import type { CallOptions as CoreCallOptions, RetryPolicy as CoreRetryPolicy } from '../core/client-transport.js';

export type { ClientTransport, EventSubscription, OutgoingCall } from '../core/client-transport.js';

export interface RetryPolicy extends CoreRetryPolicy {
  /**
   * Also retry methods that are not idempotent (on UNAVAILABLE, like the others). Each such call
   * then carries an idempotency key, the same on every attempt, and the server runs it at most once
   * per key (docs/reliability.md). Default false: servers older than the idempotency store would run
   * a retried call again.
   */
  nonIdempotent?: boolean;
}

export interface CallOptions extends CoreCallOptions {
  /** Overrides the client's retry policy for this call; `false` disables retries. */
  retry?: RetryPolicy | false;
}
