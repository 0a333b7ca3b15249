/** Hot reload: new workers with new code, in-flight calls finish on the old ones, no call fails. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import type { AccordError } from 'accord-rpc/core';
import { fixture, sleep, startPool } from './helpers.js';

const dir = fixture(`tmp-reload-${process.pid}`);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A handler module whose whoami and inlineVersion answer `version`. */
function writeModule(file: string, version: string): void {
  writeFileSync(file, `
import { threadId } from 'node:worker_threads';
import { bindService } from 'accord-rpc/core';
import { poolTest } from '../contract.js';
import { service as base } from '../handlers.js';

const VERSION = ${JSON.stringify(version)};
export const service = bindService(poolTest, {
  ...base.handlers,
  whoami: () => ({ threadId, version: VERSION }),
  inlineVersion: () => ({ version: VERSION }),
});
`);
}

async function startReloadable(name: string, options = {}) {
  const file = join(dir, `${name}.ts`);
  writeModule(file, 'v1');
  const { service } = await import(pathToFileURL(file).href);
  const h = await startPool({ modules: [file], threads: 2, ...options }, { services: [service] });
  return { h, file };
}

describe('reload', () => {
  test('2,000 calls across a reload: none fails, and the new code answers afterwards (pool and inline)', async () => {
    const { h, file } = await startReloadable('under-load');
    try {
      expect((await h.unary('whoami', {})).version).toBe('v1');
      expect((await h.unary('inlineVersion', {})).version).toBe('v1');
      const total = 2_000;
      const versions: string[] = [];
      const failures: AccordError[] = [];
      let issued = 0;
      let reloaded: Promise<void> | undefined;
      const lane = async () => {
        while (issued < total) {
          issued++;
          try {
            versions.push((await h.unary('whoami', {})).version);
          } catch (error) {
            failures.push(error as AccordError);
          }
          if (versions.length === 300 && !reloaded) {
            writeModule(file, 'v2');
            reloaded = h.pool.reload();
          }
        }
      };
      // Some long calls in flight across the switch finish on the old workers.
      const long = [h.unary('sleep', { ms: 600, tag: 'across-reload-1' }), h.unary('sleep', { ms: 600, tag: 'across-reload-2' })];
      await Promise.all(Array.from({ length: 16 }, lane));
      await reloaded;
      expect(await Promise.all(long)).toEqual([{ slept: true }, { slept: true }]);
      expect(failures).toEqual([]);
      expect(versions).toHaveLength(total);
      expect(versions).toContain('v1');
      // Every call issued after reload() resolved runs the new code, in workers and inline.
      const after = await Promise.all(Array.from({ length: 20 }, () => h.unary('whoami', {})));
      expect(new Set(after.map((w) => w.version))).toEqual(new Set(['v2']));
      expect((await h.unary('inlineVersion', {})).version).toBe('v2');
      // The old workers exit once their calls are done.
      const until = Date.now() + 5_000;
      while (h.pool.stats().workers.some((w) => w.generation !== 2) && Date.now() < until) await sleep(20);
      expect(h.pool.stats().workers.map((w) => w.generation)).toEqual([2, 2]);
    } finally {
      await h.close();
    }
  });

  test('a reload whose code does not load is refused; the old code keeps serving', async () => {
    const { h, file } = await startReloadable('broken-reload');
    try {
      writeFileSync(file, `throw new Error('half-saved file');\n`);
      await expect(h.pool.reload()).rejects.toThrow(/half-saved file/);
      expect((await h.unary('whoami', {})).version).toBe('v1');
      writeModule(file, 'v2');
      await h.pool.reload();
      expect((await h.unary('whoami', {})).version).toBe('v2');
    } finally {
      await h.close();
    }
  });

  test('watch mode reloads when a handler file changes', async () => {
    const { h, file } = await startReloadable('watched', { watch: { debounceMs: 50 } });
    try {
      expect((await h.unary('whoami', {})).version).toBe('v1');
      writeModule(file, 'v3');
      const until = Date.now() + 15_000;
      let version = 'v1';
      while (version !== 'v3' && Date.now() < until) {
        version = (await h.unary('whoami', {})).version;
        if (version !== 'v3') await sleep(50);
      }
      expect(version).toBe('v3');
    } finally {
      await h.close();
    }
  });
});
