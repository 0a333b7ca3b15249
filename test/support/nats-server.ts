/**
 * Real nats-server processes for tests (Debian's binary, installed by .ci/run): single servers and
 * clusters on free loopback ports, with JetStream when asked (its store in the server's temp folder,
 * so it survives a restart and goes with stop()). Ports are chosen by the server (`-1`) and read back from
 * `ports_file_dir`; a restart writes those ports into the config, so clients reconnect to the same
 * addresses. Every process is stopped by its PID, never by name, and a process that a crashed test
 * leaves behind is killed when the test process exits. Servers can require TLS (with client
 * certificates when given a CA) and users with subject permissions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER_BINARY = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

interface Ports {
  client: number;
  monitoring: number;
  cluster?: number;
}

export interface NatsServerOptions {
  /** Joins a cluster: its name, and the route URLs of members already running. */
  cluster?: { name: string; routes: string[] };
  /** Shown in /varz and logs (default: a unique name). */
  serverName?: string;
  /** How long to wait for the server to listen (default 10 s). */
  startTimeoutMs?: number;
  /** Enable JetStream, storing in `<dir>/jetstream` (kept across restarts). */
  jetstream?: boolean;
  /** Clients must speak TLS: the server's certificate and key (PEM files); with `caFile`, clients must also present a certificate it signed. */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** Only these users may connect, each limited to the subjects its permissions allow (none: all). */
  users?: NatsUser[];
}

/** A user of the server (`authorization.users`) and the subjects it may publish and subscribe to. */
export interface NatsUser {
  user: string;
  password: string;
  permissions?: { publish?: string[]; subscribe?: string[] };
}

/** A NATS config value: strings quoted (so `$SRV.>` is no variable), lists and maps as the config syntax takes them. */
function confValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(confValue).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return `{ ${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${confValue(v)}`).join(', ')} }`;
  return JSON.stringify(value);
}

function authorizationBlock(users: NatsUser[]): string[] {
  const entry = ({ user, password, permissions }: NatsUser) => confValue({
    user,
    password,
    permissions: permissions && { publish: permissions.publish && { allow: permissions.publish }, subscribe: permissions.subscribe && { allow: permissions.subscribe } },
  });
  return ['authorization {', '  users = [', ...users.map((u) => `    ${entry(u)}`), '  ]', '}'];
}

const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

let serial = 0;

/** One nats-server process; restartable on the ports it first got. */
export class NatsServer {
  readonly dir: string;
  readonly name: string;
  #options: NatsServerOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #ports: Ports | undefined;
  #routes: string[];
  #stderr = '';

  private constructor(options: NatsServerOptions) {
    this.#options = options;
    this.dir = mkdtempSync(join(tmpdir(), 'accord-nats-'));
    this.name = options.serverName ?? `accord-test-${process.pid}-${++serial}`;
    this.#routes = options.cluster?.routes ?? [];
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(options);
    await server.#spawn();
    return server;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** `nats://127.0.0.1:<port>`: where clients connect. */
  get url(): string {
    return `nats://127.0.0.1:${this.#requirePorts().client}`;
  }

  get port(): number {
    return this.#requirePorts().client;
  }

  /** `http://127.0.0.1:<port>`: the monitoring endpoint (/varz, /routez, /connz, /subsz). */
  get monitorUrl(): string {
    return `http://127.0.0.1:${this.#requirePorts().monitoring}`;
  }

  /** `nats://127.0.0.1:<port>`: where other cluster members route to (cluster members only). */
  get routeUrl(): string {
    const port = this.#requirePorts().cluster;
    if (port === undefined) throw new Error(`nats-server ${this.name} is not in a cluster`);
    return `nats://127.0.0.1:${port}`;
  }

  /** Replaces the route list used from the next restart on (a cluster's full mesh). */
  setRoutes(routes: string[]): void {
    this.#routes = routes.filter((r) => !this.#ports?.cluster || r !== this.routeUrl);
  }

  /** GETs a monitoring endpoint (`varz`, `routez`, `subsz?subs=1`, ...) as JSON. */
  async monitor<T = Record<string, unknown>>(path: string): Promise<T> {
    const response = await fetch(`${this.monitorUrl}/${path}`, { signal: AbortSignal.timeout(2_000) });
    return (await response.json()) as T;
  }

  /** Kills the process (SIGKILL, by PID) and starts it again on the same ports. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  /** SIGKILL by PID; resolves once the process has exited. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    child.kill('SIGKILL');
    await this.#exited;
  }

  /** Stops the server (SIGKILL by PID) and removes its files. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #requirePorts(): Ports {
    if (!this.#ports) throw new Error(`nats-server ${this.name} has not started`);
    return this.#ports;
  }

  #config(): string {
    const p = this.#ports;
    const lines = [
      `server_name: "${this.name}"`,
      `host: "127.0.0.1"`,
      `port: ${p?.client ?? -1}`,
      `http: "127.0.0.1:${p?.monitoring ?? -1}"`,
      `ports_file_dir: "${this.dir}"`,
    ];
    if (this.#options.jetstream) lines.push(`jetstream {`, `  store_dir: "${join(this.dir, 'jetstream')}"`, `}`);
    const tls = this.#options.tls;
    if (tls) {
      lines.push(`tls {`, `  cert_file: ${confValue(tls.certFile)}`, `  key_file: ${confValue(tls.keyFile)}`, `  timeout: 2`);
      if (tls.caFile) lines.push(`  ca_file: ${confValue(tls.caFile)}`, `  verify: true`);
      lines.push(`}`);
    }
    if (this.#options.users) lines.push(...authorizationBlock(this.#options.users));
    const cluster = this.#options.cluster;
    if (cluster) {
      lines.push(`cluster {`, `  name: "${cluster.name}"`, `  listen: "127.0.0.1:${p?.cluster ?? -1}"`);
      if (this.#routes.length > 0) lines.push(`  routes: [${this.#routes.map((r) => `"${r}"`).join(', ')}]`);
      lines.push(`}`);
    }
    return lines.join('\n') + '\n';
  }

  async #spawn(): Promise<void> {
    const configFile = join(this.dir, 'nats.conf');
    writeFileSync(configFile, this.#config());
    this.#stderr = '';
    const child = spawn(NATS_SERVER_BINARY, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${NATS_SERVER_BINARY}`);
    running.add(pid);
    // nats-server logs to stderr; keep the tail for error messages.
    child.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4_000);
    });
    this.#exited = new Promise((resolve) => child.once('exit', () => {
      running.delete(pid);
      resolve();
    }));
    const portsFile = join(this.dir, `nats-server_${pid}.ports`);
    const until = Date.now() + (this.#options.startTimeoutMs ?? 10_000);
    while (!existsSync(portsFile)) {
      if (!this.running || Date.now() > until) {
        child.kill('SIGKILL');
        throw new Error(`nats-server ${this.name} did not start (${this.running ? 'timed out' : 'it exited'}):\n${this.#stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const raw = JSON.parse(readFileSync(portsFile, 'utf8')) as { nats: string[]; monitoring: string[]; cluster?: string[] };
    const portOf = (url: string | undefined) => (url === undefined ? undefined : Number(new URL(url).port));
    this.#ports = { client: portOf(raw.nats[0])!, monitoring: portOf(raw.monitoring[0])!, cluster: portOf(raw.cluster?.[0]) };
  }
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  return NatsServer.start(options);
}

/** A cluster of nats-servers in a full mesh of routes. */
export class NatsCluster {
  constructor(readonly servers: NatsServer[]) {}

  /** Every member's client URL (what Accord's `servers` option takes). */
  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** Waits until every running member has a route to every other running one (polls /routez). */
  async formed(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const live = this.servers.filter((s) => s.running);
      const counts = await Promise.all(live.map((s) => s.monitor<{ num_routes: number }>('routez').then((r) => r.num_routes, () => -1)));
      if (counts.every((n) => n >= live.length - 1)) return;
      if (Date.now() > until) throw new Error(`the NATS cluster did not form within ${timeoutMs} ms (routes per server: ${counts.join(', ')})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

/** Starts `size` servers: a seed, then members routing to it; resolves once the mesh is formed. */
export async function startNatsCluster(size = 3, name = `C${process.pid}x${++serial}`): Promise<NatsCluster> {
  const seed = await NatsServer.start({ cluster: { name, routes: [] } });
  const servers = [seed];
  try {
    for (let i = 1; i < size; i++) servers.push(await NatsServer.start({ cluster: { name, routes: [seed.routeUrl] } }));
    // Restarts use the full mesh, whichever member comes back.
    const routes = servers.map((s) => s.routeUrl);
    for (const server of servers) server.setRoutes(routes);
    const cluster = new NatsCluster(servers);
    await cluster.formed();
    return cluster;
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
}
