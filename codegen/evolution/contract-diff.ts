/**
 * Classifies every difference between two versions of the contracts (each as a manifest: the
 * canonical form of every service version, method and event) per service version and member.
 * Schema differences are classified by schema-diff.ts; this file holds the rules about services,
 * methods, events, routes, auth, declared errors, idempotency and deprecation.
 */
import { canonicalJson } from '../../runtime/contract/canonical-json.js';
import type { Manifest, ManifestEvent, ManifestMethod, ManifestService } from '../manifest.js';
import { makeChange, type Change, type ChangeScope, type Severity } from './change.js';
import { diffSchemas } from './schema-diff.js';
import type { Direction } from './schema-rules.js';

/** Severity of each rule about services, methods and events (schema rules: schema-rules.ts). */
export const CONTRACT_RULES = {
  removed: 'breaking',
  added: 'safe',
  'security-scheme-changed': 'breaking',
  'kind-changed': 'breaking',
  'route-removed': 'breaking',
  'route-changed': 'breaking',
  'route-added': 'safe',
  'auth-added': 'breaking',
  'auth-removed': 'safe',
  'scope-added': 'breaking',
  'scope-removed': 'safe',
  'auth-scheme-removed': 'breaking',
  'auth-scheme-added': 'safe',
  'error-added': 'warning',
  'error-removed': 'safe',
  'error-status-changed': 'breaking',
  'idempotent-removed': 'breaking',
  'idempotent-added': 'safe',
  deprecated: 'info',
  undeprecated: 'info',
} satisfies Record<string, Severity>;

type ContractRule = keyof typeof CONTRACT_RULES;

/** A change by one of CONTRACT_RULES, with that rule's severity. */
function ruled(scope: ChangeScope, rule: ContractRule, message: string, detail?: string): Change {
  return makeChange(scope, rule, CONTRACT_RULES[rule], message, detail);
}

export function diffContracts(base: Manifest, head: Manifest): Change[] {
  const changes: Change[] = [];
  for (const key of sortedUnion(base.services, head.services)) {
    const [b, h] = [base.services[key], head.services[key]];
    const scope = { service: key };
    if (!h) changes.push(ruled(scope, 'removed', `service ${key} was removed: every caller of it fails`));
    else if (!b) changes.push(ruled(scope, 'added', `service ${key} is new`));
    else changes.push(...diffService(key, b, h));
  }
  return changes;
}

function diffService(key: string, base: ManifestService, head: ManifestService): Change[] {
  const changes: Change[] = [];
  for (const name of sortedUnion(base.securitySchemes, head.securitySchemes)) {
    const [b, h] = [base.securitySchemes[name], head.securitySchemes[name]];
    if (b && h && canonicalJson(b) !== canonicalJson(h)) {
      changes.push(ruled({ service: key }, 'security-scheme-changed', `security scheme '${name}' changed from ${canonicalJson(b)} to ${canonicalJson(h)}: callers send credentials the old way`, name));
    }
  }
  for (const name of sortedUnion(base.methods, head.methods)) {
    const [b, h] = [base.methods[name], head.methods[name]];
    const scope = { service: key, member: name };
    if (!h) changes.push(ruled(scope, 'removed', `method ${key}.${name} was removed: callers get UNIMPLEMENTED`));
    else if (!b) changes.push(ruled(scope, 'added', `method ${key}.${name} is new`));
    else changes.push(...diffMethod(scope, b, h));
  }
  for (const name of sortedUnion(base.events, head.events)) {
    const [b, h] = [base.events[name], head.events[name]];
    const scope = { service: key, member: `events.${name}` };
    if (!h) changes.push(ruled(scope, 'removed', `event ${key}.${name} was removed: subscribers are refused`));
    else if (!b) changes.push(ruled(scope, 'added', `event ${key}.${name} is new`));
    else changes.push(...diffEvent(scope, b, h));
  }
  return changes;
}

function diffMethod(scope: ChangeScope, b: ManifestMethod, h: ManifestMethod): Change[] {
  const changes: Change[] = [];
  const add = (rule: ContractRule, message: string, detail?: string): void => {
    changes.push(ruled(scope, rule, message, detail));
  };
  if (b.kind !== h.kind) add('kind-changed', `the method changed from ${b.kind} to ${h.kind}: deployed callers call it the other way`);

  if (b.route !== h.route) {
    if (!h.route) add('route-removed', `the REST route ${b.route} was removed: its callers get NOT_FOUND (POST /rpc/… still works)`);
    else if (!b.route) add('route-added', `the method has a new REST route ${h.route}`);
    else add('route-changed', `the REST route changed from ${b.route} to ${h.route}: callers of the old route get NOT_FOUND`);
  }

  if (!b.auth && h.auth) add('auth-added', `the method now requires authentication (${h.auth.schemes.join(' or ')}): anonymous callers get UNAUTHENTICATED`);
  else if (b.auth && !h.auth) add('auth-removed', 'the method no longer requires authentication');
  else if (b.auth && h.auth) {
    for (const s of h.auth.scopes) if (!b.auth.scopes.includes(s)) add('scope-added', `the method requires scope '${s}': callers without it get PERMISSION_DENIED`, s);
    for (const s of b.auth.scopes) if (!h.auth.scopes.includes(s)) add('scope-removed', `the method no longer requires scope '${s}'`, s);
    for (const s of b.auth.schemes) if (!h.auth.schemes.includes(s)) add('auth-scheme-removed', `the method no longer accepts security scheme '${s}': callers using it get UNAUTHENTICATED`, s);
    for (const s of h.auth.schemes) if (!b.auth.schemes.includes(s)) add('auth-scheme-added', `the method also accepts security scheme '${s}'`, s);
  }

  if (b.idempotent && !h.idempotent) add('idempotent-removed', 'the method is no longer idempotent: deployed clients still retry it, and a retry may now apply it twice');
  if (!b.idempotent && h.idempotent) add('idempotent-added', 'the method is now idempotent: clients built from now on retry it');
  if (!b.deprecated && h.deprecated) add('deprecated', 'the method is now deprecated');
  if (b.deprecated && !h.deprecated) add('undeprecated', 'the method is no longer deprecated');

  changes.push(...schemaChanges({ ...scope, part: 'input' }, b.input, h.input, 'input', 'input'));
  if (b.kind === h.kind) changes.push(...schemaChanges({ ...scope, part: 'output' }, b.output, h.output, 'output', h.kind === 'stream' ? 'stream item' : 'output'));

  for (const code of sortedUnion(b.errors, h.errors)) {
    const [be, he] = [b.errors[code], h.errors[code]];
    if (!he) add('error-removed', `the method no longer declares error ${code}`, code);
    else if (!be) add('error-added', `the method declares a new error ${code} (HTTP ${he.status}): deployed callers do not handle it by name`, code);
    else {
      if (be.status !== he.status) add('error-status-changed', `error ${code} changed its HTTP status from ${be.status} to ${he.status}: REST clients that branch on the status miss it`, code);
      if (be.data || he.data) {
        changes.push(...schemaChanges({ ...scope, part: `errors.${code}` }, be.data ?? {}, he.data ?? {}, 'output', `${code} data`));
      }
    }
  }
  return changes;
}

function diffEvent(scope: ChangeScope, b: ManifestEvent, h: ManifestEvent): Change[] {
  return schemaChanges({ ...scope, part: 'data' }, b.data, h.data, 'output', 'event data');
}

function schemaChanges(scope: ChangeScope, b: Record<string, unknown>, h: Record<string, unknown>, direction: Direction, subject: string): Change[] {
  return diffSchemas(b, h, direction, subject).map((f) => makeChange(scope, f.rule, f.severity, f.message, f.detail));
}

function sortedUnion(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}
