/**
 * `accord serve` child processes for the NATS tests: test/nats/fixtures/nats.config.ts with NATS as
 * the only transport, pointed at the given NATS servers, with a node id and a folder the fixture
 * handlers log their calls into. Children are stopped by PID (SIGKILL) by the tests.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killChild, spawnTsx, waitForUrls, type Child } from '../server/child-process.js';

export const NATS_CONFIG = 'test/nats/fixtures/nats.config.ts';

export interface AccordProcess extends Child {
  pid: number;
  nodeId: string;
  /** SIGKILL by PID; resolves once it exited. */
  kill(): Promise<void>;
}

export interface ServeOptions {
  /** Worker threads of the child's pool (0: handlers inline; default 0, quicker to start). */
  poolThreads?: number;
  env?: Record<string, string>;
}

/** Starts `accord serve` on NATS and waits until it says it is ready. */
export async function serveOverNats(servers: string[], nodeId: string, logDir: string, options: ServeOptions = {}): Promise<AccordProcess> {
  const child = spawnTsx(['codegen/cli.ts', 'serve', NATS_CONFIG], {
    ACCORD_TRANSPORTS: 'nats',
    ACCORD_NATS_URL: servers.join(','),
    ACCORD_NODE_ID: nodeId,
    ACCORD_POOL_THREADS: String(options.poolThreads ?? 0),
    ACCORD_TEST_LOG_DIR: logDir,
    // With no HTTP transport a server opens a metrics listener of its own: on a free port here.
    ACCORD_METRICS_PORT: '0',
    ...options.env,
  });
  await waitForUrls(child, 30_000);
  return {
    ...child,
    pid: child.process.pid!,
    nodeId,
    kill: async () => {
      killChild(child);
      await child.exited;
    },
  };
}

export function logFolder(): string {
  return mkdtempSync(join(tmpdir(), 'accord-nats-calls-'));
}

export function removeFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** What the fixture handlers logged, by the pid of the process that ran them. */
export function callLogs(dir: string): Map<number, string[]> {
  const logs = new Map<number, string[]>();
  for (const file of readdirSync(dir)) {
    const match = /^calls-(\d+)\.log$/.exec(file);
    if (match) logs.set(Number(match[1]), readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean));
  }
  return logs;
}

/** Waits until the child's stdout matches `pattern`; returns the match. */
export async function waitForOutput(child: Child, pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  return waitFor(() => child.stdout().match(pattern) ?? undefined, ms, `output matching ${pattern} (stdout: ${child.stdout().slice(-300)} stderr: ${child.stderr().slice(-300)})`);
}

/** Polls `check` until it returns a value (not undefined) or `ms` pass. */
export async function waitFor<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
