/** The status tables in the README and docs/http.md match FRAMEWORK_STATUS (fix with `npx tsx test/http/status-table.ts --write`). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FRAMEWORK_STATUS } from 'accord-rpc/core';
import { DOCS, MEANING, renderStatusTable, tableInDoc } from './status-table.js';

describe('the status tables in the docs', () => {
  it('explains every framework code', () => {
    expect(Object.keys(MEANING).sort()).toEqual(Object.keys(FRAMEWORK_STATUS).sort());
  });

  it.each(DOCS)('%s matches FRAMEWORK_STATUS', (doc) => {
    expect(tableInDoc(readFileSync(doc, 'utf8'))).toBe(renderStatusTable());
  });
});
