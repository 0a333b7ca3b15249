/**
 * One classified difference between two versions of the contracts, and how its stable id is
 * built. Ids are what `accord diff --allow` accepts, so they name the place and the rule, never a
 * position or a line: `users.v2.get.input.required-added:email`.
 */

/**
 * breaking: clients already deployed (or servers, for what they receive) fail.
 * warning: nothing fails today, but someone should look (a new declared error, a changed default).
 * safe: compatible in both directions.  info: documentation only (deprecation).
 */
export type Severity = 'breaking' | 'warning' | 'safe' | 'info';

export const SEVERITY_ORDER: Severity[] = ['breaking', 'warning', 'safe', 'info'];

export interface Change {
  /** `<service>.v<N>[.<method> | .events.<event>][.<part>].<rule>[:<detail>]` */
  id: string;
  severity: Severity;
  /** `users.v2` */
  service: string;
  /** The method, `events.<name>`, or absent for the service version itself. */
  member?: string;
  /** `input`, `output`, `errors.NOT_FOUND` (the error's data) or `data` (an event's), for schema changes. */
  part?: string;
  rule: string;
  /** One sentence: what changed and, when it matters, who it breaks. */
  message: string;
}

/** Where a change is: the service version, optionally a member and a part of it. */
export interface ChangeScope {
  service: string;
  member?: string;
  part?: string;
}

export function makeChange(scope: ChangeScope, rule: string, severity: Severity, message: string, detail?: string): Change {
  const place = [scope.service, scope.member, scope.part].filter((p) => p !== undefined).join('.');
  return {
    id: `${place}.${rule}${detail ? `:${detail}` : ''}`,
    severity,
    service: scope.service,
    ...(scope.member !== undefined ? { member: scope.member } : {}),
    ...(scope.part !== undefined ? { part: scope.part } : {}),
    rule,
    message,
  };
}
