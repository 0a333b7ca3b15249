/**
 * docs/evolution.md stays the reference: it lists every rule `accord diff` can report, and gives
 * each service, method and event rule the severity the code uses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_RULES } from '../../codegen/evolution/contract-diff.js';
import { BOUND_KEYWORDS, SCHEMA_RULES } from '../../codegen/evolution/schema-rules.js';

const doc = readFileSync(join(import.meta.dirname, '../../docs/evolution.md'), 'utf8');
const rows = doc.split('\n').filter((line) => line.startsWith('| `'));

describe('docs/evolution.md', () => {
  it('gives every service, method and event rule with its severity', () => {
    const missing = Object.entries(CONTRACT_RULES).filter(([rule, severity]) => !rows.some((r) => r.startsWith(`| \`${rule}\` | ${severity} |`)));
    expect(missing).toEqual([]);
  });

  it('lists every schema rule (bounds under <bound>-tightened and <bound>-loosened)', () => {
    const boundRow = rows.find((r) => r.startsWith('| `<bound>-tightened`')) ?? '';
    const missing = Object.keys(SCHEMA_RULES).filter((rule) => {
      const bound = /^(\w+)-(tightened|loosened)$/.exec(rule);
      if (bound && (BOUND_KEYWORDS as readonly string[]).includes(bound[1])) return !boundRow.includes(`\`${bound[1]}\``);
      return !rows.some((r) => r.includes(`\`${rule}\``));
    });
    expect(missing).toEqual([]);
  });
});
