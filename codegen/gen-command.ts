/**
 * `accord gen [--contracts <dir>] [--out <dir>] [--check] [--watch]`
 *   gen           writes generated/ from contracts/*.ts and deletes files of removed services
 *   gen --check   writes nothing; exits 1 and lists stale, missing and extra files if generated/ is out of date
 *   gen --watch   generates, then regenerates whenever a file in the contracts directory changes
 * An invalid contract prints one line naming the file (no stack trace) and exits 1.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from './generate.js';
import { loadContracts } from './load-contracts.js';
import { diffTree, isClean, writeTree, type TreeDiff } from './output-tree.js';
import { watchContracts } from './watch.js';

export interface GenArgs {
  contracts: string;
  out: string;
  check: boolean;
  watch: boolean;
}

export function parseGenArgs(args: string[]): GenArgs {
  const { values } = parseArgs({
    args,
    options: {
      contracts: { type: 'string', default: 'contracts' },
      out: { type: 'string', default: 'generated' },
      check: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
    },
    strict: true,
  });
  return { contracts: values.contracts!, out: values.out!, check: values.check!, watch: values.watch! };
}

export async function run(args: string[]): Promise<number> {
  let options: GenArgs;
  try {
    options = parseGenArgs(args);
  } catch (error) {
    process.stderr.write(`accord gen: ${(error as Error).message}\nusage: accord gen [--contracts <dir>] [--out <dir>] [--check] [--watch]\n`);
    return 2;
  }
  if (options.watch) return watchContracts(options, args.filter((a) => a !== '--watch'));
  return genOnce(options);
}

/** One generation (or check). Returns the exit code. */
export async function genOnce(options: GenArgs): Promise<number> {
  const outDir = resolve(options.out);
  let files: Map<string, string>;
  try {
    files = generate(await loadContracts(options.contracts), { outDir });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`accord gen: ${message}\n`);
    if (process.env.ACCORD_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
  if (options.check) {
    const diff = diffTree(outDir, files);
    if (isClean(diff)) {
      process.stdout.write(`accord gen --check: ${options.out}/ is up to date (${files.size} files)\n`);
      return 0;
    }
    process.stderr.write(`accord gen --check: ${options.out}/ is out of date; run \`npm run gen\`\n${describeDiff(diff, options.out)}`);
    return 1;
  }
  const diff = writeTree(outDir, files);
  const changed = diff.missing.length + diff.stale.length + diff.extra.length;
  process.stdout.write(`accord gen: ${files.size} files in ${options.out}/, ${changed === 0 ? 'no changes' : `${changed} changed`}\n${describeDiff(diff, options.out)}`);
  return 0;
}

function describeDiff(diff: TreeDiff, out: string): string {
  return [
    ...diff.stale.map((p) => `  stale:   ${out}/${p}\n`),
    ...diff.missing.map((p) => `  missing: ${out}/${p}\n`),
    ...diff.extra.map((p) => `  extra:   ${out}/${p}\n`),
  ].join('');
}
