/**
 * The generated clients are browser-safe: esbuild bundles generated/index.ts for the browser and
 * the bundle holds no zod (and no contract module), and client files import only ./types.js and
 * runtime/client.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleForBrowser } from '../support/browser-bundle.js';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { compilerOptions, ROOT } from './compile.js';

describe('generated clients in a browser bundle', () => {
  it('bundles generated/index.ts for the browser without zod or contracts', async () => {
    const { inputs, text } = await bundleForBrowser(join(ROOT, 'generated', 'index.ts'));
    expect(inputs.some((i) => i.includes('generated/users/client.ts'))).toBe(true);
    expect(inputs.filter((i) => /node_modules\/zod|contracts\//.test(i))).toEqual([]);
    expect(text).toContain('UsersV2Client');
    expect(text).not.toMatch(/\bzod\b/i);
  });

  it('client.ts files import only ./types.js and runtime/client', () => {
    const services = readdirSync(join(ROOT, 'generated'), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'schemas');
    expect(services.length).toBeGreaterThan(0);
    for (const dir of services) {
      const source = readFileSync(join(ROOT, 'generated', dir.name, 'client.ts'), 'utf8');
      const specifiers = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(specifiers.filter((s) => s !== './types.js' && s !== 'accord-rpc/client'), dir.name).toEqual([]);
    }
  });

  it("a client's type check never loads zod or the contracts (even type-only imports would)", () => {
    // Every file tsc reads costs every frontend's type check; zod's declarations alone are ~95 files.
    const program = ts.createProgram([join(ROOT, 'generated', 'index.ts')], { ...compilerOptions(), noEmit: true, types: [] });
    const files = program.getSourceFiles().map((f) => f.fileName);
    expect(files.some((f) => f.endsWith('generated/users/client.ts'))).toBe(true);
    expect(files.filter((f) => /node_modules\/zod\/|\/contracts\/|runtime\/contract\//.test(f))).toEqual([]);
  });
});
