/**
 * `accord init [dir]`: creates a new Accord project in `dir` (default: the working directory) from
 * init-templates/ (a contract, its handlers, accord.config.ts, a client script, a test with the
 * test kit, tsconfig.json, .gitignore, README.md) and a package.json with the scripts and
 * dependencies the project needs. When `dir` already has a package.json (`npm install accord-rpc`
 * made one), init completes it: it adds missing scripts and dependencies and changes nothing that
 * is there. It refuses, writing nothing, when any other file it would create exists.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_NAME } from './module-paths.js';

const USAGE = 'usage: accord init [dir]\n\nCreates a new Accord project in dir (default: the working directory).\n';

/** The project's npm scripts; the `accord` command is this package's bin. */
const SCRIPTS: Record<string, string> = {
  gen: 'accord gen',
  dev: 'accord gen && accord serve --watch',
  start: 'accord serve',
  test: 'tsx --test test/*.test.ts',
  typecheck: 'tsc --noEmit',
  build: 'tsc',
};

/** A project init cannot create as asked; the message says why. */
class InitError extends Error {}

interface Manifest {
  name?: string;
  version?: string;
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** This package's own package.json, found through its name: the same from source and from dist/. */
function ownManifestPath(): string {
  return createRequire(import.meta.url).resolve(`${PACKAGE_NAME}/package.json`);
}

/** Template files as [path in the template folder, path in the new project]. */
function templateFiles(templates: string): Array<[string, string]> {
  return (readdirSync(templates, { recursive: true }) as string[])
    .filter((file) => statSync(join(templates, file)).isFile())
    .sort()
    .map((file) => {
      // `.tmpl` keeps this repository from compiling and testing them; npm drops `.gitignore` files from packages.
      const target = file.replace(/\.tmpl$/, '');
      return [file, target === 'gitignore' ? '.gitignore' : target];
    });
}

/** The version ranges the new project depends on: this package's own, so npm installs one copy of each. */
function projectDependencies(own: Manifest): { dependencies: Record<string, string>; devDependencies: Record<string, string> } {
  const range = (name: string): string => {
    const found = own.peerDependencies?.[name] ?? own.dependencies?.[name] ?? own.devDependencies?.[name];
    if (!found) throw new InitError(`${PACKAGE_NAME}'s package.json names no version of ${name}`);
    return found;
  };
  return {
    dependencies: { [PACKAGE_NAME]: `^${own.version}`, zod: range('zod') },
    devDependencies: { '@types/node': range('@types/node'), tsx: range('tsx'), typescript: range('typescript') },
  };
}

/** package.json for the project: `existing` completed (nothing in it changed), or a new one. */
function projectManifest(existing: Manifest | undefined, projectName: string, own: Manifest): { manifest: Manifest; kept: string[] } {
  if (existing?.type !== undefined && existing.type !== 'module') {
    throw new InitError(`package.json has "type": "${existing.type}"; an Accord project is ES modules: set "type": "module", or init a new folder`);
  }
  const wanted = projectDependencies(own);
  const has = (name: string) => existing?.dependencies?.[name] !== undefined || existing?.devDependencies?.[name] !== undefined;
  const missing = (deps: Record<string, string>) => Object.fromEntries(Object.entries(deps).filter(([name]) => !has(name)));
  const scripts = { ...SCRIPTS, ...existing?.scripts };
  const manifest: Manifest = {
    name: projectName,
    version: '0.1.0',
    private: true,
    ...existing,
    type: 'module',
    scripts,
    dependencies: { ...existing?.dependencies, ...missing(wanted.dependencies) },
    devDependencies: { ...existing?.devDependencies, ...missing(wanted.devDependencies) },
  };
  return { manifest, kept: Object.keys(SCRIPTS).filter((name) => scripts[name] !== SCRIPTS[name]) };
}

/** The npm package name a folder suggests. */
function packageName(dir: string): string {
  return basename(dir).toLowerCase().replace(/[^a-z0-9._~-]+/g, '-').replace(/^[._-]+/, '') || 'accord-app';
}

/** Creates the project; returns what it wrote, for the summary. */
export function initProject(dir: string): { created: string[]; packageJson: 'created' | 'completed'; kept: string[] } {
  const ownPath = ownManifestPath();
  const own = JSON.parse(readFileSync(ownPath, 'utf8')) as Manifest;
  const templates = join(dirname(ownPath), 'codegen', 'init-templates');
  const files = templateFiles(templates);
  const conflicts = files.map(([, target]) => target).filter((target) => existsSync(join(dir, target)));
  if (conflicts.length > 0) {
    throw new InitError(`${dir} already has ${conflicts.join(', ')}; init writes only new files, so it wrote nothing`);
  }
  const manifestFile = join(dir, 'package.json');
  const existing = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest) : undefined;
  const name = existing?.name ?? packageName(dir);
  const { manifest, kept } = projectManifest(existing, name, own);

  for (const [source, target] of files) {
    mkdirSync(dirname(join(dir, target)), { recursive: true });
    writeFileSync(join(dir, target), readFileSync(join(templates, source), 'utf8').replaceAll('{{name}}', name));
  }
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return { created: files.map(([, target]) => target.split(sep).join('/')), packageJson: existing ? 'completed' : 'created', kept };
}

export async function run(args: string[]): Promise<number> {
  let dir: string;
  try {
    const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length > 1) throw new Error('one folder at most');
    dir = resolve(positionals[0] ?? '.');
  } catch (error) {
    process.stderr.write(`accord init: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const { created, packageJson, kept } = initProject(dir);
    const where = relative(process.cwd(), dir) || '.';
    const lines = [
      `accord init: new Accord project in ${where}/`,
      ...created.map((file) => `  ${file}`),
      `  package.json (${packageJson}${kept.length > 0 ? `; kept your own ${kept.map((s) => `'${s}'`).join(', ')} script${kept.length > 1 ? 's' : ''}` : ''})`,
      'next:',
      ...(where === '.' ? [] : [`  cd ${where}`]),
      '  npm install',
      '  npm run gen',
      '  npm run dev',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof InitError)) throw error;
    process.stderr.write(`accord init: ${error.message}\n`);
    return 1;
  }
}
