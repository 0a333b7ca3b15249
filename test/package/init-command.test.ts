/**
 * `accord init` from source, in temporary folders: what it writes, how it completes an existing
 * package.json, and when it refuses. (The project it makes is built, served and tested for real
 * in installed-package.test.ts.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { initProject, run } from '../../codegen/init-command.js';

const own = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const root = mkdtempSync(join(tmpdir(), 'accord-init-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const folder = (name: string) => {
  const dir = join(root, name);
  mkdirSync(dir);
  return dir;
};

describe('accord init', () => {
  it('writes the template files and a package.json with the scripts and the version ranges this package uses', () => {
    const dir = folder('My API');
    const { created, packageJson } = initProject(dir);
    expect(packageJson).toBe('created');
    expect(created).toEqual(expect.arrayContaining(['accord.config.ts', 'contracts/greeter.ts', 'handlers/greeter.ts', 'test/greeter.test.ts', 'client.ts', 'tsconfig.json', 'README.md', '.gitignore']));
    expect(created.filter((file) => file.endsWith('.tmpl'))).toEqual([]);
    const pkg = readJson(join(dir, 'package.json'));
    expect(pkg).toMatchObject({ name: 'my-api', type: 'module', private: true });
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['gen', 'dev', 'start', 'test']));
    expect(pkg.dependencies).toEqual({ [own.name]: `^${own.version}`, zod: own.peerDependencies.zod });
    expect(pkg.devDependencies).toEqual({ '@types/node': own.devDependencies['@types/node'], tsx: own.dependencies.tsx, typescript: own.devDependencies.typescript });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^# my-api\n/);
  });

  it("completes an existing package.json: adds what is missing and keeps the user's own name, scripts and dependency specs", () => {
    const dir = folder('existing');
    const mine = { name: 'mine', dependencies: { [own.name]: 'file:../accord-rpc.tgz' }, scripts: { test: 'vitest run' } };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(mine));
    const { packageJson, kept } = initProject(dir);
    expect(packageJson).toBe('completed');
    expect(kept).toEqual(['test']);
    const pkg = readJson(join(dir, 'package.json'));
    expect(pkg).toMatchObject({ name: 'mine', type: 'module', scripts: { test: 'vitest run', gen: 'accord gen' } });
    expect(pkg.dependencies).toEqual({ [own.name]: 'file:../accord-rpc.tgz', zod: own.peerDependencies.zod });
  });

  it('refuses with exit 1 and writes nothing when a file it would create exists', async () => {
    const dir = folder('taken');
    mkdirSync(join(dir, 'handlers'));
    writeFileSync(join(dir, 'handlers', 'greeter.ts'), '// mine\n');
    expect(await run([dir])).toBe(1);
    expect(readFileSync(join(dir, 'handlers', 'greeter.ts'), 'utf8')).toBe('// mine\n');
    expect(existsSync(join(dir, 'package.json'))).toBe(false);
    expect(existsSync(join(dir, 'accord.config.ts'))).toBe(false);
  });

  it('refuses a package.json that declares CommonJS, and leaves it as it was', async () => {
    const dir = folder('commonjs');
    writeFileSync(join(dir, 'package.json'), '{"name":"old","type":"commonjs"}');
    expect(await run([dir])).toBe(1);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe('{"name":"old","type":"commonjs"}');
    expect(existsSync(join(dir, 'contracts'))).toBe(false);
  });
});
