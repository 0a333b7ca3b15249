/**
 * Guards for the contract's security requirements. Transports only pass headers along; this reads
 * the credential a scheme names, asks the deployment's `authenticate` hook who it is, and checks
 * scopes: no credential or a rejected one is UNAUTHENTICATED, missing scopes are PERMISSION_DENIED.
 */
import type { AuthRequirement, SecurityScheme } from '../contract/index.js';
import { AccordError } from './errors.js';

/** Who is calling, as the deployment's `authenticate` hook describes them. */
export interface Principal {
  subject: string;
  scopes?: string[];
  /** Anything else the hook wants handlers to see (tenant, roles, claims). Must be structured-cloneable. */
  claims?: Record<string, unknown>;
}

export interface Credential {
  /** The security scheme's name in the contract. */
  scheme: string;
  type: SecurityScheme['type'];
  token: string;
}

export interface AuthenticateInfo {
  service: string;
  version: number;
  method: string;
}

/** Deployment hook: return the principal, or null/undefined to refuse the credential. */
export type Authenticate = (credential: Credential, info: AuthenticateInfo) => Principal | null | undefined | Promise<Principal | null | undefined>;

/** The first credential present in `headers` for one of `schemeNames`. */
export function findCredential(
  headers: Record<string, string>,
  schemeNames: Iterable<string>,
  schemes: Record<string, SecurityScheme>,
): Credential | undefined {
  for (const name of schemeNames) {
    const scheme = schemes[name];
    if (!scheme) continue;
    if (scheme.type === 'bearer') {
      const header = headers.authorization;
      if (header && /^bearer\s+/i.test(header)) return { scheme: name, type: 'bearer', token: header.replace(/^bearer\s+/i, '').trim() };
    } else {
      const token = headers[scheme.name.toLowerCase()];
      if (token) return { scheme: name, type: 'apiKey', token };
    }
  }
  return undefined;
}

/**
 * The caller, or undefined. Synchronous when there is nothing to ask the hook (no requirement and
 * no credential), so calls to open methods take no extra promise turn.
 */
export function authorize(
  requirement: AuthRequirement | undefined,
  headers: Record<string, string>,
  schemes: Record<string, SecurityScheme>,
  authenticate: Authenticate | undefined,
  info: AuthenticateInfo,
): Principal | undefined | Promise<Principal | undefined> {
  if (!requirement) {
    // Optional auth: identify the caller when they sent credentials, but never refuse.
    const credential = authenticate ? findCredential(headers, Object.keys(schemes), schemes) : undefined;
    if (!credential) return undefined;
    return Promise.resolve(authenticate!(credential, info)).then((principal) => principal ?? undefined);
  }
  return checkRequirement(requirement, headers, schemes, authenticate, info);
}

async function checkRequirement(
  requirement: AuthRequirement,
  headers: Record<string, string>,
  schemes: Record<string, SecurityScheme>,
  authenticate: Authenticate | undefined,
  info: AuthenticateInfo,
): Promise<Principal> {
  const credential = findCredential(headers, requirement.schemes, schemes);
  if (!credential) throw new AccordError('UNAUTHENTICATED', `${info.service}.${info.method} needs credentials (${requirement.schemes.join(' or ')})`);
  if (!authenticate) throw new AccordError('UNAUTHENTICATED', 'this server has no authenticate hook configured, so it accepts no credentials');
  const principal = await authenticate(credential, info);
  if (!principal) throw new AccordError('UNAUTHENTICATED', `the ${credential.scheme} credential was not accepted`);
  const missing = requirement.scopes.filter((scope) => !principal.scopes?.includes(scope));
  if (missing.length > 0) {
    throw new AccordError('PERMISSION_DENIED', `${info.service}.${info.method} needs scope ${missing.join(', ')}`);
  }
  return principal;
}
