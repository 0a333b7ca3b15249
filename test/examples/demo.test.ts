import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ALL_METHODS } from '../../examples/client.js';
import { killChild, spawnTsx, waitForUrls, type Child } from '../server/child-process.js';

const filesDir = mkdtempSync(join(tmpdir(), 'accord-demo-test-'));
const env = { PORT: '0', ACCORD_POOL_THREADS: '1', ACCORD_LOG_LEVEL: 'warn', ACCORD_FILES_DIR: filesDir };
const children: Child[] = [];
const start = (args: string[], extra: Record<string, string> = {}) => {
  const child = spawnTsx(args, { ...env, ...extra });
  children.push(child);
  return child;
};
afterEach(() => children.splice(0).forEach(killChild));
afterAll(() => rmSync(filesDir, { recursive: true, force: true }));

describe('npm run demo', () => {
  it('serves the examples, prints the docs URL, and examples/client.ts covers every method against it', async () => {
    const demo = start(['examples/demo.ts']);
    const urls = await waitForUrls(demo);
    expect(demo.stdout()).toContain(`${urls.http}/docs`);
    // The help text with the demo credentials follows the URLs line; it may arrive a moment later.
    await expect.poll(() => demo.stdout(), { timeout: 5_000 }).toContain('demo-admin');

    const add = await fetch(`${urls.http}/rpc/math/add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":2,"b":3}' });
    expect(await add.text()).toBe('{"sum":5}');
    const docs = await fetch(urls.docs!);
    expect(docs.status).toBe(200);

    const client = start(['examples/client.ts', urls.http!]);
    expect(await client.exited, client.stderr()).toBe(0);
    const out = client.stdout();
    expect(out).toContain(`covered ${ALL_METHODS.length}/${ALL_METHODS.length} methods`);
    expect(ALL_METHODS).toHaveLength(15);
    expect(out).toMatch(/math\.divide\(\{a:1,b:0\}\) failed as declared: DIVISION_BY_ZERO/);
    expect(out).toMatch(/events received over WebSocket: .*users\.v2 created .*ticker alert ACME up 105/);

    demo.process.kill('SIGINT');
    expect(await demo.exited).toBe(0);
  });

  it('--self-test starts on a free port, runs the client, and exits 0', async () => {
    const demo = start(['examples/demo.ts', '--self-test'], { PORT: '' });
    expect(await demo.exited, demo.stderr()).toBe(0);
    expect(demo.stdout()).toMatch(/covered 15\/15 methods\nself-test passed/);
  });
});
