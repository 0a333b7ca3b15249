/**
 * The three-node mesh example (examples/mesh/run.ts --self-test): three `accord serve` processes
 * from config files, a worker pool on two of them, calls through the edge node's HTTP port and a
 * meshClient, an event across nodes. Every process it started is killed by PID at the end.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the three-node mesh example', () => {
  const pids: number[] = [];
  afterAll(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already exited
      }
    }
  });

  it('serves every example service across three nodes and passes its self-test', async () => {
    const child = spawn(process.execPath, ['--conditions=accord-source', '--import', 'tsx', 'examples/mesh/run.ts', '--self-test'], {
      cwd: root, env: { ...process.env, NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    pids.push(child.pid!);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const match of out.matchAll(/pid (\d+)/g)) if (!pids.includes(Number(match[1]))) pids.push(Number(match[1]));
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toContain('/rpc/math/add → 200 {"sum":5}');
    expect(out).toContain('without a token → 401 UNAUTHENTICATED');
    expect(out).toContain('math.fib(25) = 75025');
    expect(out).toContain("got ticker event 'alert': ACME up at 200");
    expect(out).toContain('self-test passed');
    expect(code).toBe(0);
  }, 90_000);
});
