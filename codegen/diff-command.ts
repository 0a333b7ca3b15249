/**
 * `accord diff <base> [<head>] [--contracts <dir>] [--json] [--allow <id>]...`
 * Compares two versions of the contracts and classifies every change as breaking, warning, safe
 * or info (docs/evolution.md lists the rules). `base` and `head` are each a git ref (the contracts
 * folder at that commit), a directory of contracts or a manifest.json; `head` defaults to the
 * working tree's contracts. Exit code: 0 when nothing breaking is left, 1 when something is,
 * 2 when an argument cannot be read.
 */
import { parseArgs } from 'node:util';
import { diffContracts } from './evolution/contract-diff.js';
import { loadContractSet } from './evolution/contract-source.js';
import { buildReport, exitCode, formatJson, formatTable } from './evolution/diff-report.js';

const USAGE = `usage: accord diff <base> [<head>] [--contracts <dir>] [--json] [--allow <id>]...

  <base>, <head>     a git ref (origin/main, v1.4.0, HEAD~1), a contracts directory, or a manifest.json;
                     <head> defaults to the working tree's contracts
  --contracts <dir>  the contracts folder, for git refs and the default head (default: contracts)
  --json             print the report as JSON
  --allow <id>       accept a breaking change by its id (repeatable; a trailing * matches a prefix)
Exit code: 0 nothing breaking, 1 something breaking, 2 bad arguments.
`;

export interface DiffArgs {
  base: string;
  head?: string;
  contracts: string;
  json: boolean;
  allow: string[];
}

export function parseDiffArgs(args: string[]): DiffArgs {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      contracts: { type: 'string', default: 'contracts' },
      json: { type: 'boolean', default: false },
      allow: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageRequest();
  if (positionals.length < 1 || positionals.length > 2) throw new Error(`expected <base> [<head>], got ${positionals.length} arguments`);
  return { base: positionals[0], head: positionals[1], contracts: values.contracts!, json: values.json!, allow: values.allow! };
}

class UsageRequest extends Error {}

export async function run(args: string[]): Promise<number> {
  let options: DiffArgs;
  try {
    options = parseDiffArgs(args);
  } catch (error) {
    if (error instanceof UsageRequest) {
      process.stdout.write(USAGE);
      return 0;
    }
    process.stderr.write(`accord diff: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const where = { contracts: options.contracts, cwd: process.cwd() };
    const base = await loadContractSet(options.base, where);
    const head = await loadContractSet(options.head, where);
    const report = buildReport(base.label, head.label, diffContracts(base.manifest, head.manifest), options.allow);
    process.stdout.write(options.json ? formatJson(report) : formatTable(report));
    return exitCode(report);
  } catch (error) {
    process.stderr.write(`accord diff: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.ACCORD_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 2;
  }
}
