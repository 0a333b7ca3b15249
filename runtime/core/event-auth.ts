/**
 * Who may subscribe to an event. Methods declare `auth` in their contract; an event that declares
 * one (`event({ data, auth })`, in the same forms) is checked the same way for every transport that
 * knows the subscriber's credentials (HTTP event streams, WebSocket and mesh subscriptions). An
 * event without a requirement is open, and the subscriber is still identified when it sent credentials.
 */
import type { ServiceContract } from '../contract/index.js';
import { authorize, type Authenticate, type Principal } from './auth.js';
import { AccordError } from './errors.js';

/** The subscriber, or a promise of it when the authenticate hook is async; throws or rejects with UNAUTHENTICATED/PERMISSION_DENIED. */
export function authorizeEvent(
  contract: ServiceContract,
  event: string,
  headers: Record<string, string>,
  authenticate: Authenticate | undefined,
): Principal | undefined | Promise<Principal | undefined> {
  const spec = Object.hasOwn(contract.events, event) ? contract.events[event] : undefined;
  if (!spec) throw new AccordError('UNIMPLEMENTED', `service '${contract.name}.v${contract.version}' has no event '${event}'`);
  if (spec.auth === undefined && authenticate === undefined) return undefined;
  return authorize(spec.auth, headers, contract.securitySchemes, authenticate, { service: contract.name, version: contract.version, method: event });
}
