/**
 * `accord serve` processes for the fault tests and the soak: fault.config.ts behind the transports
 * asked for, writing to a run ledger, stopped by PID. A server can be killed (SIGKILL), restarted
 * on the ports it first got (HTTP and WebSocket, mesh), stalled (SIGSTOP) and resumed (SIGCONT),
 * and asked its resident memory. Every stalled process is resumed, and every running one killed,
 * if the test process exits first.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { killChild, spawnTsx, waitForUrls, type Child } from '../../server/child-process.js';
import type { RunLedger } from './run-ledger.js';
import { LEDGER_DIR_ENV } from './run-ledger.js';
import type { TransportName } from './well-behaved.js';

const CONFIG = fileURLToPath(new URL('./fault.config.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export interface FaultServerOptions {
  nodeId: string;
  transports: TransportName[];
  ledger: RunLedger;
  /** Pool worker threads (default 1). */
  poolThreads?: number;
  /** Mesh seeds, `host:port`. */
  meshSeeds?: string[];
  /** NATS server URLs, tried in this order. */
  natsServers?: string[];
  env?: Record<string, string>;
}

export class FaultServer {
  readonly options: FaultServerOptions;
  #child: Child;
  #urls: Record<string, string>;
  #stalled = false;

  private constructor(options: FaultServerOptions, child: Child, urls: Record<string, string>) {
    this.options = options;
    this.#child = child;
    this.#urls = urls;
  }

  static async start(options: FaultServerOptions): Promise<FaultServer> {
    const { child, urls } = await spawnServer(options, {});
    return new FaultServer(options, child, urls);
  }

  get pid(): number {
    return this.#child.process.pid!;
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  get httpUrl(): string {
    return this.#url('http');
  }

  get wsUrl(): string {
    return this.#url('ws');
  }

  /** `127.0.0.1:<port>` of its mesh listener, for seeds. */
  get meshAddress(): string {
    return this.#url('mesh').replace(/^mesh:\/\//, '');
  }

  get alive(): boolean {
    return this.#child.process.exitCode === null && this.#child.process.signalCode === null;
  }

  get stalled(): boolean {
    return this.#stalled;
  }

  /** What it printed (stdout, then stderr), for failure messages. */
  output(): string {
    return `${this.#child.stdout()}${this.#child.stderr()}`;
  }

  /** SIGKILL by PID; resolves once it exited. */
  async kill(): Promise<void> {
    this.#stalled = false;
    killChild(this.#child);
    await this.#child.exited;
  }

  /** Kills it (if running) and starts it again on the same HTTP and mesh ports; resolves once it serves. */
  async restart(): Promise<void> {
    await this.kill();
    const ports: Record<string, string> = {};
    if (this.#urls.http) ports.PORT = new URL(this.#urls.http).port;
    if (this.#urls.mesh) ports.ACCORD_MESH_PORT = this.meshAddress.split(':')[1]!;
    const { child, urls } = await spawnServer(this.options, ports);
    this.#child = child;
    this.#urls = urls;
  }

  /** SIGSTOP by PID: the process holds its sockets open and answers nothing. */
  stall(): void {
    if (!this.alive) return;
    process.kill(this.pid, 'SIGSTOP');
    this.#stalled = true;
  }

  /** SIGCONT by PID. */
  resume(): void {
    if (this.#stalled && this.alive) process.kill(this.pid, 'SIGCONT');
    this.#stalled = false;
  }

  /** Resident memory of the process (its worker threads included), in bytes; 0 once it is gone. */
  rssBytes(): number {
    try {
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  /** Resumes it if stalled, then SIGKILL by PID. */
  async stop(): Promise<void> {
    this.resume();
    await this.kill();
  }

  #url(name: string): string {
    const url = this.#urls[name];
    if (!url) throw new Error(`fault server ${this.nodeId} does not serve ${name} (urls: ${JSON.stringify(this.#urls)})`);
    return url;
  }
}

async function spawnServer(options: FaultServerOptions, ports: Record<string, string>): Promise<{ child: Child; urls: Record<string, string> }> {
  const env: Record<string, string> = {
    ACCORD_TRANSPORTS: options.transports.join(','),
    ACCORD_NODE_ID: options.nodeId,
    ACCORD_POOL_THREADS: String(options.poolThreads ?? 1),
    [LEDGER_DIR_ENV]: options.ledger.dir,
    // Without HTTP a server opens a metrics listener of its own: on a free port here.
    ACCORD_METRICS_PORT: '0',
    PORT: '0',
    ACCORD_MESH_PORT: '0',
    ...ports,
    ...options.env,
  };
  if (options.meshSeeds?.length) env.ACCORD_MESH_SEEDS = options.meshSeeds.join(',');
  if (options.natsServers?.length) env.ACCORD_NATS_URL = options.natsServers.join(',');
  const child = spawnTsx(['codegen/cli.ts', 'serve', CONFIG], env);
  running.add(child.process.pid!);
  void child.exited.then(() => running.delete(child.process.pid!));
  try {
    return { child, urls: await waitForUrls(child, START_TIMEOUT_MS) };
  } catch (error) {
    killChild(child);
    throw error;
  }
}
