/**
 * What `accord diff` prints: a table for people or JSON for tools, after applying `--allow`
 * (breaking changes a team has accepted by id). The exit code is 1 while any breaking change is
 * not allowed.
 */
import { SEVERITY_ORDER, type Change, type Severity } from './change.js';

export interface ReportedChange extends Change {
  /** A breaking change accepted with `--allow`. */
  allowed?: true;
}

export interface DiffReport {
  base: string;
  head: string;
  summary: Record<Severity, number> & { allowed: number };
  changes: ReportedChange[];
  /** `--allow` entries that matched no change (a typo, or a change that is gone). */
  unusedAllows: string[];
}

/** `--allow` takes an exact id, or a prefix ending in `*` (`users.v1.*`). */
export function allowMatches(pattern: string, id: string): boolean {
  return pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : pattern === id;
}

export function buildReport(base: string, head: string, changes: Change[], allow: string[]): DiffReport {
  const used = new Set<string>();
  const reported: ReportedChange[] = changes.map((change) => {
    const by = allow.filter((pattern) => allowMatches(pattern, change.id));
    by.forEach((p) => used.add(p));
    return change.severity === 'breaking' && by.length > 0 ? { ...change, allowed: true } : change;
  });
  reported.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const summary = { breaking: 0, warning: 0, safe: 0, info: 0, allowed: 0 };
  for (const change of reported) {
    if (change.allowed) summary.allowed++;
    else summary[change.severity]++;
  }
  return { base, head, summary, changes: reported, unusedAllows: allow.filter((p) => !used.has(p)) };
}

export function exitCode(report: DiffReport): number {
  return report.summary.breaking > 0 ? 1 : 0;
}

export function formatJson(report: DiffReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function formatTable(report: DiffReport): string {
  const lines = [`accord diff: ${report.base} → ${report.head}`, ''];
  if (report.changes.length === 0) {
    lines.push('No contract changes.');
  } else {
    const label = (c: ReportedChange): string => (c.allowed ? 'allowed' : c.severity);
    const width = Math.max('CHANGE'.length, ...report.changes.map((c) => c.id.length));
    lines.push(`${'SEVERITY'.padEnd(9)} ${'CHANGE'.padEnd(width)}  WHAT`);
    for (const change of report.changes) lines.push(`${label(change).padEnd(9)} ${change.id.padEnd(width)}  ${change.message}`);
  }
  const { breaking, allowed, warning, safe, info } = report.summary;
  lines.push('', `${breaking} breaking${allowed ? ` (+${allowed} allowed)` : ''}, ${warning} warning, ${safe} safe, ${info} info`);
  if (breaking > 0) lines.push('Breaking changes fail deployed clients. Keep the old shape, add a new version of the service, or accept a change with --allow <id>.');
  for (const pattern of report.unusedAllows) lines.push(`note: --allow ${pattern} matched no change`);
  return `${lines.join('\n')}\n`;
}
