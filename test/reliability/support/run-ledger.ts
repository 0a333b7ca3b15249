/**
 * The run ledger: how often each call ran, counted where it ran. A handler appends its call's
 * token and the time to a file of its own process and worker thread (`runs-<pid>-<threadId>.log`
 * in the folder ACCORD_TEST_LEDGER_DIR names) as it starts, with one synchronous append: the line
 * is on disk before the handler goes on, so it survives a SIGKILL of the process a moment later.
 * The test reads every file and counts.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

export const LEDGER_DIR_ENV = 'ACCORD_TEST_LEDGER_DIR';

/** Called by handlers: `token` ran here, now. */
export function recordRun(token: string): void {
  const dir = process.env[LEDGER_DIR_ENV];
  if (dir) appendFileSync(join(dir, `runs-${process.pid}-${threadId}.log`), `${token} ${Date.now()}\n`);
}

export class RunLedger {
  private constructor(readonly dir: string) {}

  static create(): RunLedger {
    return new RunLedger(mkdtempSync(join(tmpdir(), 'accord-run-ledger-')));
  }

  /** Runs per token, over every process and thread. */
  runs(): Map<string, number> {
    const runs = new Map<string, number>();
    for (const { lines } of this.#files()) for (const { token } of lines) runs.set(token, (runs.get(token) ?? 0) + 1);
    return runs;
  }

  /** The tokens each process ran, by pid (its threads together). */
  byProcess(): Map<number, string[]> {
    const by = new Map<number, string[]>();
    for (const { pid, lines } of this.#files()) by.set(pid, [...(by.get(pid) ?? []), ...lines.map((l) => l.token)]);
    return by;
  }

  /** When each run of each token started (epoch ms), over every process. */
  starts(): Map<string, number[]> {
    const starts = new Map<string, number[]>();
    for (const { lines } of this.#files()) for (const { token, at } of lines) starts.set(token, [...(starts.get(token) ?? []), at]);
    return starts;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  *#files(): Generator<{ pid: number; lines: Array<{ token: string; at: number }> }> {
    for (const file of readdirSync(this.dir)) {
      const match = /^runs-(\d+)-\d+\.log$/.exec(file);
      if (!match) continue;
      const lines = readFileSync(join(this.dir, file), 'utf8').split('\n').filter(Boolean).map((line) => {
        const [token, at] = line.split(' ');
        return { token: token!, at: Number(at) };
      });
      yield { pid: Number(match[1]), lines };
    }
  }
}
