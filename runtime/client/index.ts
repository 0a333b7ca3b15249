/** The client runtime: what generated clients extend and what client transports implement. Browser-safe. */
export { ServiceClient } from './service-client.js';
export type { BytesInfo, ClientOptions, MethodInfo, ServiceInfo } from './service-client.js';
export type { CallOptions, ClientTransport, EventSubscription, OutgoingCall, RetryPolicy } from './transport.js';
export { reviveBytes } from './bytes-revival.js';
export { newIdempotencyKey } from './idempotency-key.js';
export { CircuitBreaker, guardWithBreaker, isCircuitRefusal } from '../core/circuit-breaker.js';
export type { CircuitOptions, CircuitRefusal, CircuitState, CircuitWatcher } from '../core/circuit-breaker.js';
export type { BytesPath } from './bytes-revival.js';
export type { ContractFingerprints } from '../core/contract-fingerprints.js';
export { AccordError, isAccordError } from '../core/errors.js';
export type { FrameworkErrorCode, ValidationIssue, WireError } from '../core/errors.js';
