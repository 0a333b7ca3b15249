/**
 * Who may subscribe to an event. Methods declare `auth` in their contract; an event that declares
 * one (`auth` on the event contract, in the same forms) is checked the same way when a transport
 * knows the subscriber's credentials (HTTP event streams). An event without a requirement is open,
 * and the subscriber is still identified when it sent credentials.
 */
import type { AuthRequirement, ServiceContract } from '../contract/index.js';
import { authorize, type Authenticate, type Principal } from './auth.js';
import { AccordError } from './errors.js';

type EventAuth = AuthRequirement | string | { scheme: string | string[]; scopes?: string[] } | undefined;

export async function authorizeEvent(
  contract: ServiceContract,
  event: string,
  headers: Record<string, string>,
  authenticate: Authenticate | undefined,
): Promise<Principal | undefined> {
  const spec = Object.prototype.hasOwnProperty.call(contract.events, event) ? contract.events[event] : undefined;
  if (!spec) throw new AccordError('UNIMPLEMENTED', `service '${contract.name}.v${contract.version}' has no event '${event}'`);
  const requirement = normalize((spec as { auth?: EventAuth }).auth);
  if (requirement === undefined && authenticate === undefined) return undefined;
  return authorize(requirement, headers, contract.securitySchemes, authenticate, { service: contract.name, version: contract.version, method: event });
}

function normalize(auth: EventAuth): AuthRequirement | undefined {
  if (auth === undefined) return undefined;
  if (typeof auth === 'string') return { schemes: [auth], scopes: [] };
  if ('schemes' in auth) return auth;
  return { schemes: Array.isArray(auth.scheme) ? auth.scheme : [auth.scheme], scopes: auth.scopes ?? [] };
}
