/** The client-side transport interface lives in core (the dispatcher makes nested calls with it); clients re-export it. */
export type { CallOptions, ClientTransport, EventSubscription, OutgoingCall, RetryPolicy } from '../core/client-transport.js';
