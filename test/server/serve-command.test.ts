import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killChild, spawnTsx, waitForUrls, type Child } from './child-process.js';

const filesDir = mkdtempSync(join(tmpdir(), 'accord-serve-test-'));
let child: Child | undefined;
afterEach(() => killChild(child));
afterAll(() => rmSync(filesDir, { recursive: true, force: true }));

describe('accord serve', () => {
  it('serves accord.config.ts on PORT, prints its URLs, and exits 0 after draining on SIGTERM', async () => {
    child = spawnTsx(['codegen/cli.ts', 'serve'], { PORT: '0', ACCORD_POOL_THREADS: '1', ACCORD_LOG_LEVEL: 'warn', ACCORD_FILES_DIR: filesDir });
    const urls = await waitForUrls(child);
    expect(urls.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.ws).toBe(`${urls.http!.replace('http', 'ws')}/ws`);
    expect(urls.docs).toBe(`${urls.http}/docs`);
    expect(child.stdout()).toMatch(/ready: files\.v1, math\.v1, ticker\.v1, users\.v1, users\.v2/);

    const response = await fetch(`${urls.http}/rpc/math/add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":2,"b":3}' });
    expect(await response.json()).toEqual({ sum: 5 });
    const fib = await fetch(`${urls.http}/rpc/math/fib`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":15}' });
    expect(await fib.json()).toEqual({ value: 610 });

    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.stderr()).toMatch(/SIGTERM, draining/);
    await expect(fetch(`${urls.http}/healthz`)).rejects.toThrow();
  });

  it('exits 1 naming the file when a handler module exports no service', async () => {
    child = spawnTsx(['codegen/cli.ts', 'serve', 'test/server/fixtures/bad.config.ts']);
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toMatch(/accord serve: handler module .*test\/server\/fixtures\/no-service\.ts exports no service/);
  });

  it('exits 1 naming a config file that does not exist', async () => {
    child = spawnTsx(['codegen/cli.ts', 'serve', 'missing.config.ts']);
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toMatch(/config file .*missing\.config\.ts not found/);
  });
});
