/**
 * `npm run bench -- typecheck`: how long `tsc --noEmit` takes on a client that uses 3,000
 * procedures, Accord (generated plain declarations) against oRPC (types inferred from zod
 * schemas through `ContractRouterClient<typeof contract>`), written from one synthetic contract
 * set in the same run. Ends with `RATIO typecheck <oRPC time / Accord time>` (higher is better).
 *
 * The Accord side is a frontend project that installed Accord: it type-checks against the package's
 * declarations (built here with tsconfig.build.json into its own node_modules/accord-rpc, found
 * through the package's `exports` without the `accord-source` condition), as users' projects do.
 *
 * BENCH_SERVICES and BENCH_METHODS scale the set (default 100 × 30).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../codegen/generate.js';
import { loadContracts } from '../codegen/load-contracts.js';
import { PACKAGE_NAME } from '../codegen/module-paths.js';
import { writeTree } from '../codegen/output-tree.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const DIR = join(ROOT, '.bench-tmp', 'typecheck');
/** The Accord frontend: generated/, its usage file, and Accord installed in its node_modules. */
const FRONTEND = join(DIR, 'accord');
const SERVICES = Number(process.env.BENCH_SERVICES ?? 100);
const METHODS = Number(process.env.BENCH_METHODS ?? 30);
/** Methods of each service the usage files call (both sides call the same ones). */
const CALLED = [0, Math.floor(METHODS / 2), METHODS - 1].filter((m, i, all) => all.indexOf(m) === i);

const svc = (s: number): string => `svc${String(s).padStart(3, '0')}`;
const method = (m: number): string => `op${String(m).padStart(2, '0')}`;

/** The zod source of one method's input and output: small, realistic, distinct per method. */
function schemas(s: number, m: number): { input: string; output: string } {
  return {
    input: `z.object({ id: z.string().min(1), name${m}: z.string().max(200), count: z.number().int().min(0).optional(), tags: z.array(z.string()), mode: z.enum(['fast', 'safe', 'm${s}_${m}']) })`,
    output: `z.object({ id: z.string(), total${m}: z.number(), createdAt: z.iso.datetime(), status: z.enum(['ok', 'pending', 'failed']), items: z.array(z.object({ sku: z.string(), qty: z.number().int() })), note: z.string().nullable() })`,
  };
}

function writeAccordContracts(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let s = 0; s < SERVICES; s++) {
    const methods = Array.from({ length: METHODS }, (_, m) => {
      const { input, output } = schemas(s, m);
      return `    ${method(m)}: unary({ input: ${input}, output: ${output} }),`;
    });
    writeFileSync(join(dir, `${svc(s)}.ts`), [
      `import { z } from 'zod';`,
      `import { service, unary } from '${PACKAGE_NAME}/contract';`,
      `export const ${svc(s)} = service({ name: '${svc(s)}', version: 1, methods: {`,
      ...methods,
      `} });`,
      '',
    ].join('\n'));
  }
}

function callLines(client: (s: string) => string, input: (s: number, m: number) => string): string[] {
  const lines: string[] = [];
  for (let s = 0; s < SERVICES; s++) {
    for (const m of CALLED) {
      lines.push(`  { const r = await ${client(svc(s))}.${method(m)}(${input(s, m)}); total += r.total${m} + r.items.length; }`);
    }
  }
  return lines;
}

const sampleInput = (_s: number, m: number): string => `{ id: 'x', name${m}: 'n', tags: ['a'], mode: 'fast' }`;

function writeAccordUsage(file: string): void {
  writeFileSync(file, [
    `import { createClients } from './generated/index.js';`,
    `import type { ClientTransport } from '${PACKAGE_NAME}/client';`,
    `declare const transport: ClientTransport;`,
    `const clients = createClients(transport);`,
    `export async function use(): Promise<number> {`,
    `  let total = 0;`,
    ...callLines((s) => `clients.${s}`, sampleInput),
    `  return total;`,
    `}`,
    '',
  ].join('\n'));
}

function writeOrpc(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const services: string[] = [];
  for (let s = 0; s < SERVICES; s++) {
    const methods = Array.from({ length: METHODS }, (_, m) => {
      const { input, output } = schemas(s, m);
      return `  ${method(m)}: oc.input(${input}).output(${output}),`;
    });
    writeFileSync(join(dir, `${svc(s)}.ts`), [`import { oc } from '@orpc/contract';`, `import { z } from 'zod';`, `export const ${svc(s)} = {`, ...methods, `};`, ''].join('\n'));
    services.push(svc(s));
  }
  writeFileSync(join(dir, 'contract.ts'), [
    ...services.map((s) => `import { ${s} } from './${s}.js';`),
    `export const contract = { ${services.join(', ')} };`,
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'usage.ts'), [
    `import { createORPCClient, type ClientLink } from '@orpc/client';`,
    `import type { ContractRouterClient } from '@orpc/contract';`,
    `import type { contract } from './contract.js';`,
    `declare const link: ClientLink<Record<never, never>>;`,
    `const client: ContractRouterClient<typeof contract> = createORPCClient(link);`,
    `export async function use(): Promise<number> {`,
    `  let total = 0;`,
    ...callLines((s) => `client.${s}`, sampleInput),
    `  return total;`,
    `}`,
    '',
  ].join('\n'));
}

function writeTsconfig(file: string, entry: string): void {
  writeFileSync(file, JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023', 'DOM'], types: [],
      strict: true, skipLibCheck: true, noEmit: true, isolatedModules: true, verbatimModuleSyntax: true,
    },
    files: [entry],
  }, null, 2));
}

/** Runs tsc in a child process; fails loudly on errors. */
function tsc(args: string[]): void {
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ...args], { stdio: 'pipe', timeout: 110_000 });
  } catch (error) {
    const out = String((error as { stdout?: Buffer }).stdout ?? error).slice(0, 2000);
    throw new Error(`tsc ${args.join(' ')} failed:\n${out}`);
  }
}

/** Wall time of one `tsc --noEmit -p <config>`. */
function timeTsc(config: string): number {
  const started = performance.now();
  tsc(['--noEmit', '-p', config]);
  return (performance.now() - started) / 1000;
}

/**
 * Makes `project` a package of its own with Accord "installed": the declarations of
 * tsconfig.build.json and the package's manifest. Its own package.json keeps TypeScript from
 * resolving `accord-rpc` as this repository's self-reference.
 */
function installAccordDeclarations(project: string): void {
  const installed = join(project, 'node_modules', PACKAGE_NAME);
  tsc(['-p', join(ROOT, 'tsconfig.build.json'), '--emitDeclarationOnly', '--declarationMap', 'false', '--outDir', join(installed, 'dist')]);
  const { name, version, type, exports } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(installed, 'package.json'), JSON.stringify({ name, version, type, exports }, null, 2));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'typecheck-bench-frontend', private: true, type: 'module' }, null, 2));
}

rmSync(DIR, { recursive: true, force: true });
const total = SERVICES * METHODS;
console.log(`typecheck: ${SERVICES} services × ${METHODS} methods = ${total} procedures; the usage files call ${SERVICES * CALLED.length} of them`);

writeAccordContracts(join(DIR, 'contracts'));
const genStarted = performance.now();
const services = await loadContracts(join(DIR, 'contracts'));
writeTree(join(FRONTEND, 'generated'), generate(services, { outDir: join(FRONTEND, 'generated') }));
console.log(`accord gen: ${((performance.now() - genStarted) / 1000).toFixed(1)} s (load contracts + write generated/)`);
writeAccordUsage(join(FRONTEND, 'usage.ts'));
writeTsconfig(join(FRONTEND, 'tsconfig.json'), 'usage.ts');
const buildStarted = performance.now();
installAccordDeclarations(FRONTEND);
console.log(`accord declarations (tsconfig.build.json): ${((performance.now() - buildStarted) / 1000).toFixed(1)} s, not timed below`);

writeOrpc(join(DIR, 'orpc'));
writeTsconfig(join(DIR, 'tsconfig.orpc.json'), 'orpc/usage.ts');

const accord = timeTsc(join(FRONTEND, 'tsconfig.json'));
console.log(`tsc --noEmit, Accord generated clients: ${accord.toFixed(2)} s`);
const orpc = timeTsc(join(DIR, 'tsconfig.orpc.json'));
console.log(`tsc --noEmit, oRPC ContractRouterClient: ${orpc.toFixed(2)} s`);
console.log(`RATIO typecheck ${(orpc / accord).toFixed(2)}`);
