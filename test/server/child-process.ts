/** Spawns `tsx` scripts as real child processes for the serve and demo tests, and reads their output. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseUrlsLine } from 'accord-rpc/server';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Child {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** `node --import tsx <args>` in the repo root (one process, so signals reach the script itself), resolving `accord-rpc` to its sources. */
export function spawnTsx(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ['--conditions=accord-source', '--import', 'tsx', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { process: child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the `ACCORD_URLS {...}` line on stdout; a child that does not print it in time is killed. */
export async function waitForUrls(child: Child, timeoutMs = 20_000): Promise<Record<string, string>> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    const urls = parseUrlsLine(child.stdout());
    if (urls) return urls;
    if (exited || Date.now() > until) {
      killChild(child);
      throw new Error(`no URLs from the child (${exited ? 'it exited' : 'timed out'})\nstdout:\n${child.stdout()}\nstderr:\n${child.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Kills a child that is still running (test clean-up). */
export function killChild(child: Child | undefined): void {
  if (child && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
}
