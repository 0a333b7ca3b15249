/**
 * The parent's handle on the server under attack (target-process.ts): forks it with the source
 * condition and `--expose-gc`, waits for it to listen, and keeps what a reliability test checks
 * afterwards: whether it is still alive, the crashes it reported (uncaught exceptions, unhandled
 * rejections), its memory after a full GC, and its transport statistics. Stopped by PID.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemoryFigures, TargetConfig, TargetReady } from './target-process.js';

export type { MemoryFigures, TargetConfig } from './target-process.js';

export interface Crash {
  kind: string;
  message: string;
  stack?: string;
}

export interface TargetStats {
  httpConnections?: number;
  wsConnections?: number;
  wsSubscriptions?: number;
  wsStreams?: number;
  meshLinks?: number;
  natsInFlight?: number;
  produced: number;
}

const script = fileURLToPath(new URL('./target-process.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const ASK_TIMEOUT_MS = 10_000;

export class Target {
  readonly crashes: Crash[] = [];
  readonly ready: TargetReady;
  readonly #child: ChildProcess;
  readonly #output: () => string;
  readonly #answers = new Map<number, (value: unknown) => void>();
  #nextId = 1;

  private constructor(child: ChildProcess, ready: TargetReady, output: () => string) {
    this.#child = child;
    this.ready = ready;
    this.#output = output;
    child.on('message', (message: { type: string; id?: number; result?: unknown } & Crash) => {
      if (message.type === 'crash') this.crashes.push({ kind: message.kind, message: message.message, stack: message.stack });
      if (message.type === 'answer') this.#answers.get(message.id!)?.(message.result);
    });
  }

  static async start(config: TargetConfig): Promise<Target> {
    const child = fork(script, [], {
      execArgv: ['--conditions=accord-source', '--import', 'tsx', '--expose-gc'],
      env: { ...process.env, RELIABILITY_TARGET: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let output = '';
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const ready = await new Promise<TargetReady>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`the target server did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
      const fail = (error: Error) => {
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
        reject(error);
      };
      child.on('message', (message: { type: string }) => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        resolve(message as TargetReady);
      });
      child.once('exit', (code, signal) => fail(new Error(`the target server exited (${code ?? signal}) before it listened:\n${output}`)));
    });
    return new Target(child, ready, () => output);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** What the process printed last (for failure messages). */
  get output(): string {
    return this.#output();
  }

  /** Why the server is not fit to go on: it died or reported a crash; undefined while it is fine. */
  problem(): string | undefined {
    if (this.crashes.length > 0) {
      const crash = this.crashes[0]!;
      return `the server reported an ${crash.kind}: ${crash.message}\n${crash.stack ?? ''}`;
    }
    if (!this.alive) return `the server process exited (${this.#child.exitCode ?? this.#child.signalCode}):\n${this.output}`;
    return undefined;
  }

  /** Waits up to `ms` for the process to exit or report a crash (after a failure that suggests it did). */
  async settled(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!this.problem() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  memory(): Promise<MemoryFigures> {
    return this.#ask('memory') as Promise<MemoryFigures>;
  }

  stats(): Promise<TargetStats> {
    return this.#ask('stats') as Promise<TargetStats>;
  }

  /** Graceful stop over IPC (bounded), then SIGKILL by PID whatever happened. */
  async stop(): Promise<void> {
    if (this.alive) await this.#ask('stop').catch(() => undefined);
    if (this.alive) {
      const exited = new Promise((resolve) => this.#child.once('exit', resolve));
      process.kill(this.pid, 'SIGKILL');
      await exited;
    }
  }

  #ask(type: 'memory' | 'stats' | 'stop'): Promise<unknown> {
    if (!this.alive) return Promise.reject(new Error(`the server process is gone: ${this.problem()}`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#answers.delete(id);
        reject(new Error(`the server did not answer '${type}' within ${ASK_TIMEOUT_MS} ms`));
      }, ASK_TIMEOUT_MS);
      this.#answers.set(id, (value) => {
        clearTimeout(timer);
        this.#answers.delete(id);
        resolve(value);
      });
      this.#child.send({ type, id });
    });
  }
}

export const MiB = 1024 * 1024;

/** Memory growth between two measurements, in MiB, for messages. */
export function growth(before: MemoryFigures, after: MemoryFigures): { rss: number; heapUsed: number; external: number } {
  const mib = (n: number) => Math.round((n / MiB) * 10) / 10;
  return { rss: mib(after.rss - before.rss), heapUsed: mib(after.heapUsed - before.heapUsed), external: mib(after.external - before.external) };
}
