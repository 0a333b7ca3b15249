/**
 * What a new user does, outside this repository: `npm pack` (its prepack builds dist/), then in a
 * fresh temporary folder `npm install` of the tarball (dependencies from the registry),
 * `accord init`, `accord gen`, `tsc --noEmit`, the project's own tests, `accord serve` in a child
 * process called by a compiled client under plain `node` over HTTP and WebSocket, a plain
 * JavaScript project, and a browser bundle. One pack and one install serve every step, in order.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUrlsLine } from 'accord-rpc/server';
import { mustRun, runCommand, startCommand, stopCommand, waitFor, type RunningCommand } from './user-shell.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};

const work = mkdtempSync(join(tmpdir(), 'accord-package-'));
const app = join(work, 'app');
let packedFiles: string[] = [];
let server: RunningCommand | undefined;

/** `npx --yes=false`: the local bin or nothing (never the unrelated `accord` package from the registry). (`--no` would swallow the flags after the command.) */
const accord = (args: string[], timeoutMs?: number) => runCommand(app, 'npx', ['--yes=false', 'accord', ...args], timeoutMs);

beforeAll(async () => {
  const pack = JSON.parse(await mustRun(repoRoot, 'npm', ['pack', '--json', '--pack-destination', work], 180_000)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packedFiles = pack[0]!.files.map((f) => f.path);
  mkdirSync(app);
  // With the optional peer of accord-rpc/query, as a project using TanStack Query has it.
  await mustRun(app, 'npm', ['install', '--no-audit', '--no-fund', join(work, pack[0]!.filename), '@tanstack/query-core@^5'], 240_000);
}, 420_000);

afterAll(async () => {
  if (server) await stopCommand(server, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Files under `dir` (relative, `/`-separated) whose name matches `pattern`. */
function filesUnder(dir: string, pattern: RegExp): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => f.split('\\').join('/')).filter((f) => pattern.test(f));
}

describe('accord-rpc installed from its tarball in a new project', () => {
  it('the tarball holds every exports target and the bin (compiled, run by node), the init templates, and no tests, examples or generated code', () => {
    const targets = Object.values(manifest.exports).flatMap((entry) => (typeof entry === 'string' ? [entry] : [entry.types!, entry.import!]));
    expect(targets.filter((target) => !packedFiles.includes(target.replace(/^\.\//, '')))).toEqual([]);
    const bin = manifest.bin.accord!.replace(/^\.\//, '');
    expect(packedFiles).toContain(bin);
    expect(readFileSync(join(app, 'node_modules', manifest.name, bin), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(packedFiles.some((f) => f.startsWith('codegen/init-templates/'))).toBe(true);
    expect(packedFiles.filter((f) => /^(test|examples|generated|contracts|bench|docs)\//.test(f) || f.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  it('plain node imports every public entry point (its runtime dependencies installed) and refuses deep imports into dist/', async () => {
    const entries = Object.keys(manifest.exports).filter((key) => key !== './package.json').map((key) => `${manifest.name}${key.slice(1)}`);
    const script = [
      'for (const entry of JSON.parse(process.argv[1])) await import(entry);',
      `await import('${manifest.name}/dist/runtime/core/dispatcher.js').then(() => console.log('deep import allowed'), (error) => console.log(error.code));`,
    ].join('\n');
    const output = await mustRun(app, process.execPath, ['--input-type=module', '-e', script, JSON.stringify(entries)], 60_000);
    expect(output.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 90_000);

  it('accord init completes the package.json npm made, creates the project, and refuses a second run without writing anything', async () => {
    const first = await accord(['init']);
    expect(first.code, first.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['gen', 'dev', 'start', 'test']));
    expect(pkg.dependencies[manifest.name]).toMatch(/^file:/); // the installed tarball stays
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['typescript', 'tsx', '@types/node']));
    for (const file of ['accord.config.ts', 'contracts/greeter.ts', 'handlers/greeter.ts', 'test/greeter.test.ts', 'tsconfig.json', 'README.md', '.gitignore']) {
      expect(readFileSync(join(app, file), 'utf8').length, file).toBeGreaterThan(0);
    }

    const before = readFileSync(join(app, 'package.json'), 'utf8');
    const second = await accord(['init']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already has .*accord\.config\.ts.*wrote nothing/);
    expect(readFileSync(join(app, 'package.json'), 'utf8')).toBe(before);
    await mustRun(app, 'npm', ['install', '--no-audit', '--no-fund'], 180_000); // the devDependencies init added
  }, 240_000);

  it('accord gen writes generated/ that imports Accord by package name only, and the project passes tsc --noEmit', async () => {
    const gen = await accord(['gen']);
    expect(gen.code, gen.stderr).toBe(0);
    const sources = filesUnder(join(app, 'generated'), /\.ts$/);
    expect(sources).toEqual(expect.arrayContaining(['greeter/client.ts', 'greeter/server.ts', 'index.ts']));
    for (const file of sources) {
      const specifiers = [...readFileSync(join(app, 'generated', file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(specifiers.filter((s) => !s.startsWith('./') && !s.startsWith('../') && !s.startsWith(`${manifest.name}/`)), file).toEqual([]);
      expect(specifiers.filter((s) => s.includes('node_modules')), file).toEqual([]);
    }
    await mustRun(app, 'npx', ['--yes=false', 'tsc', '--noEmit'], 120_000);
  }, 180_000);

  it("the project's own test (npm test: the test kit, in process and over HTTP) passes", async () => {
    const output = await mustRun(app, 'npm', ['test'], 120_000);
    expect(output).toMatch(/# pass 2\b/);
    expect(output).toMatch(/# fail 0\b/);
  }, 150_000);

  it('accord serve --watch runs the TypeScript config and handlers; a compiled client under plain node calls it over HTTP and WS; an edited handler reloads; SIGTERM drains and exits 0', async () => {
    // The project's build (tsc to dist/), without type-checking again: the test above did.
    await mustRun(app, 'npm', ['run', 'build', '--', '--noCheck'], 120_000);
    server = startCommand(app, join(app, 'node_modules', '.bin', 'accord'), ['serve', '--watch'], { PORT: '0', ACCORD_LOG_LEVEL: 'warn' });
    const urls = await waitFor(() => parseUrlsLine(server!.stdout()), () => `no URLs from accord serve\n${server!.stdout()}\n${server!.stderr()}`, 30_000);
    expect(server.stdout()).toMatch(/ready: greeter\.v1/);

    for (const url of [urls.http!, urls.ws!]) {
      const call = await mustRun(app, process.execPath, ['dist/client.js', url], 30_000);
      expect(call.split('\n').filter(Boolean), url).toEqual(['{"message":"Hello, Ada!","words":4}', 'UNKNOWN_PERSON: nobody']);
    }

    const handlers = join(app, 'handlers', 'greeter.ts');
    writeFileSync(handlers, readFileSync(handlers, 'utf8').replace('`Hello, ${name}!`', '`Welcome, ${name}!`'));
    const reloaded = await waitFor(async () => {
      const body = (await (await fetch(`${urls.http}/hello/Ada`)).json()) as { message: string };
      return body.message.startsWith('Welcome') ? body.message : undefined;
    }, () => `the edited handler was not reloaded\n${server!.stderr()}`, 20_000);
    expect(reloaded).toBe('Welcome, Ada!');

    expect(await stopCommand(server)).toBe(0);
    expect(server.stderr()).toMatch(/SIGTERM, draining/);
  }, 240_000);

  it('plain JavaScript: accord gen loads .mjs contracts, and plain node runs a .mjs handler in a pool worker through the compiled package', async () => {
    mkdirSync(join(app, 'js', 'contracts'), { recursive: true });
    mkdirSync(join(app, 'js', 'handlers'));
    copyFileSync(join(fixtures, 'clock-contract.mjs'), join(app, 'js', 'contracts', 'clock.mjs'));
    copyFileSync(join(fixtures, 'clock-handlers.mjs'), join(app, 'js', 'handlers', 'clock.mjs'));
    copyFileSync(join(fixtures, 'serve-plain-node.mjs'), join(app, 'js', 'serve.mjs'));

    const gen = await accord(['gen', '--contracts', 'js/contracts', '--out', 'js/generated']);
    expect(gen.code, gen.stderr).toBe(0);
    expect(readFileSync(join(app, 'js', 'generated', 'clock', 'server.ts'), 'utf8')).toContain("from '../../contracts/clock.mjs'");

    const result = JSON.parse(await mustRun(app, process.execPath, ['js/serve.mjs'], 60_000)) as { status: number; body: { threadId: number }; execArgv: string[] };
    expect(result.execArgv).toEqual([]);
    expect(result.status).toBe(200);
    expect(result.body.threadId).toBeGreaterThan(0); // a worker thread, not the main thread (0)
  }, 120_000);

  it('a browser bundle (esbuild, platform browser) of the generated clients with the HTTP and WS client transports holds no Node built-ins and no zod', async () => {
    mkdirSync(join(app, 'web'));
    copyFileSync(join(fixtures, 'browser-entry.mjs'), join(app, 'web', 'main.mjs'));
    // Fails on any import of a Node built-in: nothing resolves them on the browser platform.
    const result = await build({ entryPoints: ['web/main.mjs'], absWorkingDir: app, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toEqual(expect.arrayContaining(['generated/greeter/client.ts', `node_modules/${manifest.name}/dist/runtime/client/index.js`]));
    expect(inputs.filter((i) => /node_modules\/zod\/|\/contracts\//.test(i))).toEqual([]);
    expect(inputs.filter((i) => i.includes(`node_modules/${manifest.name}/`) && !i.includes(`node_modules/${manifest.name}/dist/`))).toEqual([]);
    expect(result.outputFiles[0]!.text).toContain('GreeterV1Client');
  }, 60_000);
});
