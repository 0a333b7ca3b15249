/**
 * Contract fingerprints computed at run time (runtime/core/fingerprint.ts) are the ones
 * generated/manifest.json holds, documentation and server-side choices leave them alone, any
 * change to what a caller sends or receives moves them, and the module needs no codegen.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { collectServices, event, service, serviceKey, unary } from 'accord-rpc/contract';
import { serviceFingerprints } from 'accord-rpc/core';

const ROOT = join(import.meta.dirname, '../..');

describe('run-time fingerprints', () => {
  it('equal generated/manifest.json for every example contract', async () => {
    const dir = join(ROOT, 'contracts');
    const modules = await Promise.all(readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()
      .map(async (f) => (await import(pathToFileURL(join(dir, f)).href)) as Record<string, unknown>));
    const services = collectServices(modules);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'generated', 'manifest.json'), 'utf8'));
    expect(services.map(serviceKey)).toEqual(Object.keys(manifest.services));
    for (const contract of services) {
      const entry = manifest.services[serviceKey(contract)];
      const computed = serviceFingerprints(contract);
      expect(computed.service, serviceKey(contract)).toBe(entry.fingerprint);
      expect(computed.methods).toEqual(Object.fromEntries(Object.entries(entry.methods).map(([k, m]: [string, any]) => [k, m.fingerprint])));
      expect(computed.events).toEqual(Object.fromEntries(Object.entries(entry.events).map(([k, e]: [string, any]) => [k, e.fingerprint])));
    }
  });

  it('ignore documentation, field order, where the handler runs and its default timeout', () => {
    const plain = service({
      name: 'printer',
      version: 1,
      methods: {
        print: unary({ input: z.object({ text: z.string(), copies: z.number() }), output: z.object({ ok: z.boolean() }), auth: { scheme: 'key', scopes: ['a', 'b'] } }),
      },
      events: { jammed: event({ data: z.object({ tray: z.enum(['upper', 'lower']) }) }) },
      securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'x-key' } },
    });
    const documented = service({
      name: 'printer',
      version: 1,
      description: 'Prints things',
      methods: {
        print: unary({
          input: z.object({ copies: z.number().describe('How many'), text: z.string() }).meta({ title: 'Job' }),
          output: z.object({ ok: z.boolean() }),
          summary: 'Print',
          description: 'Prints text',
          tags: ['office'],
          runs: 'inline',
          timeoutMs: 1_000,
          deprecated: true,
          auth: { scheme: 'key', scopes: ['b', 'a'] },
        }),
      },
      events: { jammed: event({ data: z.object({ tray: z.enum(['lower', 'upper']) }), description: 'Paper jam' }) },
      securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'x-key', description: 'Office key' } },
    });
    expect(serviceFingerprints(documented)).toEqual(serviceFingerprints(plain));
  });

  it('change for the method and the service, and only for them, when a field changes', () => {
    const make = (copies: z.ZodType) => service({
      name: 'printer',
      version: 1,
      methods: {
        print: unary({ input: z.object({ text: z.string(), copies }), output: z.object({ ok: z.boolean() }) }),
        status: unary({ input: z.object({}), output: z.object({ idle: z.boolean() }) }),
      },
    });
    const before = serviceFingerprints(make(z.number()));
    const after = serviceFingerprints(make(z.number().int()));
    expect(after.methods.print).not.toBe(before.methods.print);
    expect(after.methods.status).toBe(before.methods.status);
    expect(after.service).not.toBe(before.service);
    expect(before.methods.print).toMatch(/^[0-9a-f]{64}$/);
  });

  it('come from a module that loads nothing from codegen and no package but zod', async () => {
    const result = await build({
      entryPoints: [join(ROOT, 'runtime', 'core', 'fingerprint.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const own = inputs.filter((i) => !i.includes('node_modules/'));
    expect(own.filter((i) => !i.startsWith('runtime/'))).toEqual([]);
    expect(own).toContain('runtime/contract/canonical-form.ts');
    expect(inputs.filter((i) => i.includes('node_modules/') && !i.includes('node_modules/zod/'))).toEqual([]);
  });
});
