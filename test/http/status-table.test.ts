/** docs/http.md's status table matches FRAMEWORK_STATUS (fix with `npx tsx test/http/status-table.ts --write`). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FRAMEWORK_STATUS } from '../../runtime/core/errors.js';
import { DOC, MEANING, renderStatusTable, tableInDoc } from './status-table.js';

describe('the status table in docs/http.md', () => {
  it('explains every framework code', () => {
    expect(Object.keys(MEANING).sort()).toEqual(Object.keys(FRAMEWORK_STATUS).sort());
  });

  it('matches FRAMEWORK_STATUS', () => {
    expect(tableInDoc(readFileSync(DOC, 'utf8'))).toBe(renderStatusTable());
  });
});
