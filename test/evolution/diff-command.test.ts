/**
 * `accord diff` as a user runs it (a child process through tsx) on a temporary git repository
 * with two commits: git refs, the working tree, a contracts directory and a manifest.json are
 * all accepted; the table and --json give the same classification as the rules; the exit code is
 * 1 while a breaking change is not allowed, 0 once every one is, and 2 for an unreadable argument.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContracts } from '../../codegen/load-contracts.js';
import { buildManifest } from '../../codegen/manifest.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
// Inside the repository, so the contracts resolve `zod` and `accord-rpc` as a user's project does.
const repo = join(ROOT, '.tmp', `diff-command-${process.pid}`);

const contract = (body: { input: string; output: string; extra: string }): string => `
import { z } from 'zod';
import { service, unary } from 'accord-rpc/contract';

export const shop = service({
  name: 'shop',
  version: 1,
  methods: {
    order: unary({
      input: z.object({ ${body.input} }),
      output: z.object({ ${body.output} }),
      ${body.extra}
    }),
  },
});
`;

const V1 = contract({ input: 'sku: z.string()', output: 'id: z.string(), total: z.number()', extra: `route: 'POST /orders', idempotent: true,` });
const V2 = contract({
  input: 'sku: z.string(), qty: z.number().int().min(1), note: z.string().optional()',
  output: 'id: z.string()',
  extra: `route: 'POST /purchases', idempotent: true, deprecated: true, errors: { OUT_OF_STOCK: { status: 409 } },`,
});
const WORKING = V2.replace('deprecated: true,', '');

/** What the rules say about V1 → V2, most severe first (the order the report uses). */
const EXPECTED: Array<[string, string]> = [
  ['shop.v1.order.input.required-added:qty', 'breaking'],
  ['shop.v1.order.output.field-removed:total', 'breaking'],
  ['shop.v1.order.route-changed', 'breaking'],
  ['shop.v1.order.error-added:OUT_OF_STOCK', 'warning'],
  ['shop.v1.order.input.optional-added:note', 'safe'],
  ['shop.v1.order.deprecated', 'info'],
];

async function git(...args: string[]): Promise<void> {
  await run('git', ['-c', 'user.name=Accord Test', '-c', 'user.email=test@accord.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, timeout: 20_000 });
}

/** `accord diff` in the temporary repository; resolves with exit code and output (never rejects). */
async function accordDiff(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=accord-source', '--import', 'tsx', join(ROOT, 'codegen', 'cli.ts'), 'diff', ...args], { cwd: repo, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(join(repo, 'contracts'), { recursive: true });
  await git('init', '--quiet', '--initial-branch=main');
  writeFileSync(join(repo, 'contracts', 'shop.ts'), V1);
  await git('add', 'contracts');
  await git('commit', '--quiet', '-m', 'v1');
  // A manifest of the first commit, as `npm run gen` would have written it then.
  const services = (await loadContracts(join(repo, 'contracts'))).map((s) => s.contract);
  writeFileSync(join(repo, 'v1-manifest.json'), JSON.stringify(buildManifest(services)));
  writeFileSync(join(repo, 'contracts', 'shop.ts'), V2);
  await git('commit', '--quiet', '-am', 'v2');
  writeFileSync(join(repo, 'contracts', 'shop.ts'), WORKING); // uncommitted: no longer deprecated
}, 30_000);
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('accord diff on a git repository', () => {
  it('between two commits prints every change with its severity in a table and exits 1', async () => {
    const result = await accordDiff('HEAD~1', 'HEAD');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^accord diff: HEAD~1 \([0-9a-f]{7}\) → HEAD \([0-9a-f]{7}\)/);
    const rows = result.stdout.split('\n').filter((l) => /^(breaking|warning|safe|info|allowed) /.test(l));
    expect(rows.map((l) => l.split(/\s+/).slice(0, 2).reverse())).toEqual(EXPECTED);
    expect(result.stdout).toContain('3 breaking, 1 warning, 1 safe, 1 info');
  });

  it('--json gives the same classification for tools', async () => {
    const result = await accordDiff('HEAD~1', 'HEAD', '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.changes.map((c: { id: string; severity: string }) => [c.id, c.severity])).toEqual(EXPECTED);
    expect(report.summary).toEqual({ breaking: 3, warning: 1, safe: 1, info: 1, allowed: 0 });
  });

  it('--allow accepts breaking changes by id (or prefix) and exits 0 once none is left', async () => {
    const partly = await accordDiff('HEAD~1', 'HEAD', '--allow', 'shop.v1.order.route-changed', '--json');
    expect(partly.code).toBe(1);
    expect(JSON.parse(partly.stdout).summary).toMatchObject({ breaking: 2, allowed: 1 });
    const all = await accordDiff('HEAD~1', 'HEAD', '--allow', 'shop.v1.order.route-changed', '--allow', 'shop.v1.order.input.required-added:qty', '--allow', 'shop.v1.order.output.*', '--allow', 'shop.v9.*');
    expect(all.code, all.stdout).toBe(0);
    expect(all.stdout).toMatch(/^allowed\s+shop\.v1\.order\.route-changed/m);
    expect(all.stdout).toContain('0 breaking (+3 allowed), 1 warning, 1 safe, 1 info');
    expect(all.stdout).toContain('note: --allow shop.v9.* matched no change');
  });

  it('compares a ref with the working tree by default, and finds only the uncommitted change', async () => {
    const result = await accordDiff('HEAD', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.head).toBe('contracts/ (working tree)');
    expect(report.changes.map((c: { id: string; severity: string }) => [c.id, c.severity])).toEqual([['shop.v1.order.undeprecated', 'info']]);
  });

  it('reads a manifest.json as the base and a contracts directory as the head', async () => {
    const result = await accordDiff('v1-manifest.json', 'contracts', '--json');
    expect(result.code, result.stderr).toBe(1);
    const ids = JSON.parse(result.stdout).changes.map((c: { id: string }) => c.id);
    expect(ids).toEqual(EXPECTED.map(([id]) => id).filter((id) => id !== 'shop.v1.order.deprecated'));
  });

  it('exits 2 naming an argument that is no ref, directory or manifest', async () => {
    const result = await accordDiff('no-such-branch');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`'no-such-branch' is not a manifest file, a contracts directory or a git ref`);
  });
});
