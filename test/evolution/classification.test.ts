/**
 * The classification table: each kind of contract change (a small before/after pair) gives
 * exactly the expected changes, with their ids and severities; together the cases cover every
 * rule of the contract evolution issue.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffContracts } from '../../codegen/evolution/contract-diff.js';
import { buildManifest } from '../../codegen/manifest.js';
import type { ChangeCase } from './cases/change-case.js';
import { CONTRACT_CASES } from './cases/contract-cases.js';
import { INPUT_CASES } from './cases/input-cases.js';
import { OUTPUT_CASES } from './cases/output-cases.js';

const CASES: ChangeCase[] = [...INPUT_CASES, ...OUTPUT_CASES, ...CONTRACT_CASES];

/** The issue's rules as (id suffix, severity): each must be shown by at least one case. */
const ISSUE_RULES: Array<[pattern: RegExp, severity: string, rule: string]> = [
  [/^shop\.v\d+\.removed$/, 'breaking', 'a removed service version'],
  [/^shop\.v1\.\w+\.removed$/, 'breaking', 'a removed method'],
  [/\.events\.\w+\.removed$/, 'breaking', 'a removed event'],
  [/\.route-removed$/, 'breaking', 'a removed route'],
  [/\.input\.required-added:/, 'breaking', 'input: a new required field'],
  [/\.input\.value-removed:/, 'breaking', 'input: a narrowed enum'],
  [/\.input\.maximum-tightened:/, 'breaking', 'input: tighter bounds'],
  [/\.input\.type-changed:/, 'breaking', 'input: a changed type'],
  [/\.input\.optional-added:/, 'safe', 'input: a new optional field'],
  [/\.input\.type-widened:/, 'safe', 'input: a widened type'],
  [/\.output\.field-removed:/, 'breaking', 'output: a removed field'],
  [/\.output\.became-optional:/, 'breaking', 'output: a newly optional field'],
  [/\.output\.type-widened:/, 'breaking', 'output: a widened type'],
  [/\.output\.field-added:/, 'safe', 'output: a new field'],
  [/\.route-changed$/, 'breaking', 'a changed HTTP route or method'],
  [/\.auth-added$/, 'breaking', 'auth added'],
  [/\.scope-added:/, 'breaking', 'scopes added'],
  [/\.error-removed:/, 'safe', 'a removed declared error'],
  [/\.error-added:/, 'warning', 'an added declared error'],
  [/\.idempotent-removed$/, 'breaking', 'idempotent turned off'],
  [/\.deprecated$/, 'info', 'deprecated'],
];

function classify(c: ChangeCase): Array<[string, string]> {
  return diffContracts(buildManifest(c.before), buildManifest(c.after)).map((change) => [change.id, change.severity]);
}

describe('accord diff classification', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('classifies %s', (_name, c) => {
    expect(classify(c)).toEqual(c.expected);
  });

  it('has at least 30 kinds of change, with distinct names, covering every rule of the issue', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    const shown = CASES.flatMap((c) => c.expected);
    const missing = ISSUE_RULES.filter(([pattern, severity]) => !shown.some(([id, s]) => pattern.test(id) && s === severity)).map(([, , rule]) => rule);
    expect(missing).toEqual([]);
  });

  it('finds no change between the example contracts and the manifest generated from them', async () => {
    const { loadContracts } = await import('../../codegen/load-contracts.js');
    const services = (await loadContracts(join(import.meta.dirname, '../../contracts'))).map((s) => s.contract);
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../generated/manifest.json'), 'utf8'));
    expect(diffContracts(manifest, buildManifest(services))).toEqual([]);
  });
});
