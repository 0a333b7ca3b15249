/**
 * generated/openapi.json passes the two common OpenAPI linters, run as real commands:
 * `redocly lint` with its recommended rules and `spectral lint` with `spectral:oas`, zero errors
 * each (warnings such as a missing license are the user's to decide). A copy without the
 * public operations' `security: []` shows redocly would catch the regression.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './compile.js';

const run = promisify(execFile);
const DOC = join(ROOT, 'generated', 'openapi.json');
const BIN = join(ROOT, 'node_modules', '.bin');
const tmp = join(ROOT, '.tmp', `openapi-lint-${process.pid}`);
// No telemetry or update checks from a test run.
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_UPDATE_NOTIFIER: '1' };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a linter; resolves with its stdout whatever the exit code (the report says what failed). */
async function lint(bin: string, args: string[]): Promise<string> {
  try {
    return (await run(join(BIN, bin), args, { cwd: ROOT, env, timeout: 60_000, maxBuffer: 32 << 20 })).stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    if (!e.stdout) throw new Error(`${bin} produced no report: ${e.stderr ?? e.message}`);
    return e.stdout;
  }
}

interface RedoclyReport { totals: { errors: number }; problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }> }

async function redoclyErrors(file: string): Promise<string[]> {
  const report = JSON.parse(await lint('redocly', ['lint', file, '--extends=recommended', '--format=json'])) as RedoclyReport;
  return report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
}

describe('generated/openapi.json under OpenAPI linters', () => {
  it('has no error under `redocly lint` with the recommended rules', async () => {
    expect(await redoclyErrors(DOC)).toEqual([]);
  });

  it('has no error under `spectral lint` with spectral:oas', async () => {
    const out = await lint('spectral', ['lint', DOC, '--ruleset', join(ROOT, 'test', 'codegen', 'fixtures', 'spectral-oas.yaml'), '--format', 'json', '--quiet']);
    const results = JSON.parse(out) as Array<{ code: string; severity: number; message: string; path: string[] }>;
    expect(results.filter((r) => r.severity === 0).map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`)).toEqual([]);
  });

  it('would fail redocly if public operations lost `security: []` (the linter is really checking)', async () => {
    const doc = JSON.parse(readFileSync(DOC, 'utf8'));
    for (const item of Object.values(doc.paths) as Array<Record<string, { security?: unknown[] }>>) {
      for (const operation of Object.values(item)) if (operation.security?.length === 0) delete operation.security;
    }
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'openapi.json'), JSON.stringify(doc));
    const errors = await redoclyErrors(join(tmp, 'openapi.json'));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.startsWith('security-defined at #/paths/'))).toBe(true);
  });
});
