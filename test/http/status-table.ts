/**
 * The error-code → HTTP status table of the README and docs/http.md, rendered from FRAMEWORK_STATUS
 * so the docs cannot drift: `status-table.test.ts` fails when they differ, and
 * `npx tsx test/http/status-table.ts --write` rewrites the tables in place.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { FRAMEWORK_STATUS, type FrameworkErrorCode } from 'accord-rpc/core';

export const DOCS = ['README.md', 'docs/http.md'] as const;
export const START = '<!-- status-table:start (generated from FRAMEWORK_STATUS by test/http/status-table.ts) -->';
export const END = '<!-- status-table:end -->';

/** What each framework code means to a caller. Every code in FRAMEWORK_STATUS needs a line here. */
export const MEANING: Record<FrameworkErrorCode, string> = {
  INVALID_ARGUMENT: 'the input does not match the contract; `data.issues` lists `{path, message}` per field',
  PROTOCOL_ERROR: 'the request itself is malformed: a body that does not parse, a bad `accord-timeout`, an unsupported content type',
  UNAUTHENTICATED: 'no credential, or one the `authenticate` hook refused',
  PERMISSION_DENIED: 'the caller is known but lacks a scope the method requires',
  NOT_FOUND: 'sent by handlers, which declare it with typed data; also a plain HTTP path that does not exist',
  UNIMPLEMENTED: 'no such service, version or method on this server (any unknown `POST /rpc/...`)',
  FAILED_PRECONDITION: 'the system is not in a state where the call can run (declarable by contracts)',
  PAYLOAD_TOO_LARGE: 'the request body is over `bodyLimitBytes`',
  CANCELLED: 'the caller cancelled (client-side; a disconnected HTTP client never reads it)',
  RESOURCE_EXHAUSTED: 'too many calls in flight (`maxInFlight`) or queued in the pool; retry later',
  LOOP_DETECTED: 'nested calls went more than `maxHops` deep (`accord-hops`)',
  INTERNAL: 'the handler failed or broke its contract; details are logged, not sent',
  UNAVAILABLE: 'the server is draining or unreachable; idempotent calls are retried by generated clients',
  DEADLINE_EXCEEDED: 'the deadline (`accord-timeout`, the method\'s `timeoutMs`, or the server default) passed',
};

export function renderStatusTable(): string {
  const rows = (Object.entries(FRAMEWORK_STATUS) as Array<[FrameworkErrorCode, number]>)
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
    .map(([code, status]) => `| \`${code}\` | ${status} | ${MEANING[code] ?? ''} |`);
  return [START, '| code | HTTP status | meaning |', '| --- | --- | --- |', ...rows, END].join('\n');
}

/** The table as it stands in the doc, or undefined when the markers are missing. */
export function tableInDoc(text: string): string | undefined {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  return start < 0 || end < 0 ? undefined : text.slice(start, end + END.length);
}

if (process.argv.includes('--write')) {
  for (const doc of DOCS) {
    const text = readFileSync(doc, 'utf8');
    const current = tableInDoc(text);
    if (!current) throw new Error(`${doc} has no status table markers`);
    writeFileSync(doc, text.replace(current, () => renderStatusTable()));
    process.stdout.write(`rewrote the status table in ${doc}\n`);
  }
}
