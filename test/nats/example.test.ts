/**
 * The runnable NATS example (examples/nats/run.ts): a nats-server, two `accord serve` processes on
 * it and the example client, as a real child process tree; it must pass and stop what it started.
 */
import { describe, expect, it } from 'vitest';
import { killChild, spawnTsx } from '../server/child-process.js';
import { NATS_SERVER_BINARY } from '../support/nats-server.js';

describe('examples/nats', () => {
  it('runs two accord serve processes and the client on one NATS server: calls shared by both, a stream, one event', async () => {
    const child = spawnTsx(['examples/nats/run.ts'], { NATS_SERVER_BIN: NATS_SERVER_BINARY });
    try {
      const code = await Promise.race([child.exited, new Promise((r) => setTimeout(() => r('timeout'), 60_000))]);
      expect(code, child.stderr()).toBe(0);
      const out = child.stdout();
      expect(out).toMatch(/2 Accord process\(es\): node-1, node-2/);
      expect(out).toMatch(/40 x math\.add .* shared by the queue group: node-1 \d+, node-2 \d+/);
      expect(out).toMatch(/ticker\.watch: ticks 1, 2, 3/);
      expect(out).toMatch(/ticker\.alert events received: NATS up 105 /);
      expect(out).toMatch(/NATS example passed/);
    } finally {
      killChild(child);
      // Whatever the example started and did not stop (it was killed), by the PIDs it printed.
      for (const [, pid] of child.stdout().matchAll(/\(pid (\d+)\)/g)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already stopped
        }
      }
    }
  }, 70_000);
});
