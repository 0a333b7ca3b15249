/**
 * The WebSocket server transport: listens on its own port, or shares an existing node http.Server
 * under a path (`noServer` + the server's 'upgrade' event, other paths left alone). Owns the
 * connection-level limits: connection cap, frame size, heartbeat and idle timeouts, graceful stop.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { ServerTransport } from '../../core/transport.js';
import { metricsOf } from '../../observability/server-telemetry.js';
import { WsConnection, headersFromUpgrade, type ConnectionLimits, type ConnectionStats } from './connection.js';
import { CLOSE } from './protocol.js';

export interface WsTransportOptions {
  /** Own port to listen on (0: any free port). Ignored when `server` is given. */
  port?: number;
  /** Host for the own port (default 127.0.0.1). */
  host?: string;
  /** Share this http.Server (e.g. the HTTP transport's) instead of listening on an own port. */
  server?: Server;
  /** Upgrade path served (default '/ws' on a shared server; any path on an own port). */
  path?: string;
  /**
   * Browser origins allowed to connect (the upgrade's Origin header), or a predicate. Default: any.
   * Set it when browsers authenticate with cookies, so another site's page cannot connect as them.
   * Requests without an Origin header (non-browser clients) are always allowed.
   */
  origins?: string[] | ((origin: string) => boolean);
  /** Largest WebSocket message accepted, in bytes (default 1 MiB); larger closes with 1009. */
  maxFrameBytes?: number;
  /** Calls and streams in flight per connection; past it a call gets RESOURCE_EXHAUSTED (default 1024). */
  maxInFlightPerConnection?: number;
  /** Open connections; past it upgrades are refused with HTTP 503 (default 10,000). */
  maxConnections?: number;
  /** Event subscriptions per connection (default 1,000). */
  maxSubscriptionsPerConnection?: number;
  /** Protocol ping interval; a connection that misses a pong is closed (default 30 s; 0 disables). */
  heartbeatIntervalMs?: number;
  /** Close a connection with nothing in flight or subscribed after this long without frames (default 5 min; 0 disables). */
  idleTimeoutMs?: number;
  /** A connection must send its hello within this time (default 10 s); on an own port, its upgrade request too. */
  helloTimeoutMs?: number;
  /** Largest credit window a client may grant a stream, in items (default 1,024). */
  streamCreditWindow?: number;
  /** Socket buffer past which streams stop pulling from handlers until it drains (default 1 MiB). */
  highWaterBytes?: number;
  /** Socket buffer past which a connection is cut off as a slow event consumer (default 16 MiB). */
  maxEventBufferBytes?: number;
}

export interface WsServerTransport extends ServerTransport {
  readonly name: 'ws';
  /** The port in use, once started. */
  readonly port: number | undefined;
  /** Per-connection figures (in flight, buffered bytes, items and events sent). */
  stats(): { connections: number; perConnection: ConnectionStats[] };
}

export function wsTransport(options: WsTransportOptions = {}): WsServerTransport {
  return new WsTransport(options);
}

class WsTransport implements WsServerTransport {
  readonly name = 'ws' as const;
  readonly #options: WsTransportOptions;
  readonly #limits: ConnectionLimits;
  readonly #path: string | undefined;
  readonly #connections = new Set<WsConnection>();
  #wss: WebSocketServer | undefined;
  #server: Server | undefined;
  #ownServer = false;
  #dispatcher: Dispatcher | undefined;
  #upgrading = 0;
  #nextId = 1;
  #stopping = false;
  #timers: Array<ReturnType<typeof setInterval>> = [];
  #removeGauge: (() => void) | undefined;

  constructor(options: WsTransportOptions) {
    this.#options = options;
    this.#path = options.path ?? (options.server ? '/ws' : undefined);
    this.#limits = {
      maxFrameBytes: options.maxFrameBytes ?? 1024 * 1024,
      maxInFlight: options.maxInFlightPerConnection ?? 1024,
      maxStreamCredit: options.streamCreditWindow ?? 1024,
      maxSubscriptions: options.maxSubscriptionsPerConnection ?? 1000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 30_000,
      highWaterBytes: options.highWaterBytes ?? 1024 * 1024,
      maxEventBufferBytes: options.maxEventBufferBytes ?? 16 * 1024 * 1024,
      helloTimeoutMs: options.helloTimeoutMs ?? 10_000,
    };
  }

  get port(): number | undefined {
    const address = this.#server?.address();
    return address && typeof address === 'object' ? (address as AddressInfo).port : undefined;
  }

  get url(): string | undefined {
    const address = this.#server?.address();
    if (!address || typeof address !== 'object') return undefined;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `ws://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}${this.#path ?? '/'}`;
  }

  stats(): { connections: number; perConnection: ConnectionStats[] } {
    return { connections: this.#connections.size, perConnection: [...this.#connections].map((c) => c.stats()) };
  }

  async start(dispatcher: Dispatcher): Promise<void> {
    if (this.#wss) throw new Error('the ws transport is already started');
    this.#dispatcher = dispatcher;
    this.#stopping = false;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#limits.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    if (this.#options.server) {
      this.#server = this.#options.server;
    } else {
      // On its own port the upgrade request must arrive within the hello timeout too (Node's default
      // is 60 s), so connections that never upgrade (slowloris, half-open) go as soon as silent ones.
      const upgradeMs = this.#limits.helloTimeoutMs;
      const timeouts = upgradeMs > 0 ? { headersTimeout: upgradeMs, requestTimeout: upgradeMs, connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(upgradeMs / 4))) } : {};
      this.#server = createServer(timeouts, (_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('this port speaks Accord over WebSocket\n');
      });
      this.#ownServer = true;
      await new Promise<void>((resolve, reject) => {
        this.#server!.once('error', reject);
        this.#server!.listen(this.#options.port ?? 0, this.#options.host ?? '127.0.0.1', () => {
          this.#server!.off('error', reject);
          resolve();
        });
      });
    }
    this.#server.on('upgrade', this.#onUpgrade);
    this.#removeGauge = metricsOf(dispatcher)?.gauge({ name: 'accord_ws_connections', help: 'Open WebSocket connections.', read: () => this.#connections.size });

    const { heartbeatIntervalMs } = this.#limits;
    if (heartbeatIntervalMs > 0) {
      this.#timers.push(setInterval(() => { for (const c of this.#connections) c.heartbeat(); }, heartbeatIntervalMs).unref());
    }
    const idleMs = this.#options.idleTimeoutMs ?? 300_000;
    if (idleMs > 0) {
      this.#timers.push(setInterval(() => {
        const cutoff = Date.now() - idleMs;
        for (const c of this.#connections) if (c.idle && c.lastActivity < cutoff) c.close(CLOSE.normal, 'idle timeout');
      }, Math.max(50, Math.min(idleMs / 4, 10_000))).unref());
    }
  }

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (this.#path !== undefined) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const pathname = q < 0 ? url : url.slice(0, q);
      if (pathname !== this.#path) {
        // A shared server: another upgrade handler may own this path; when we are the only one
        // listening (or on our own port), nobody does, and the client must not be left hanging.
        if (this.#ownServer || (this.#server?.listenerCount('upgrade') ?? 0) <= 1) refuse(socket, 404, 'Not Found');
        return;
      }
    }
    if (this.#stopping || !this.#wss) return refuse(socket, 503, 'Service Unavailable', 'the server is shutting down');
    const origin = req.headers.origin;
    if (origin !== undefined && !this.#originAllowed(origin)) return refuse(socket, 403, 'Forbidden', 'origin not allowed');
    const max = this.#options.maxConnections ?? 10_000;
    if (this.#connections.size + this.#upgrading >= max) return refuse(socket, 503, 'Service Unavailable', `connection limit (${max}) reached`);
    // ws calls back only for a good handshake; a bad one just ends the socket, so the slot is
    // released on whichever comes first.
    this.#upgrading++;
    let counted = true;
    const release = () => {
      if (counted) this.#upgrading--;
      counted = false;
    };
    socket.once('close', release);
    socket.on('error', noop);
    this.#wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      release();
      socket.off('close', release);
      socket.off('error', noop);
      if (this.#stopping) {
        ws.close(CLOSE.goingAway, 'server shutting down');
        return;
      }
      const connection = new WsConnection(this.#nextId++, ws, headersFromUpgrade(req.headers), this.#dispatcher!, this.#limits, (c) => this.#connections.delete(c));
      this.#connections.add(connection);
    });
  };

  #originAllowed(origin: string): boolean {
    const allowed = this.#options.origins;
    if (allowed === undefined) return true;
    return typeof allowed === 'function' ? allowed(origin) : allowed.includes(origin);
  }

  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (!this.#wss) return;
    const graceMs = options.graceMs ?? 10_000;
    this.#stopping = true;
    this.#server?.off('upgrade', this.#onUpgrade);
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    const serverClosed = this.#ownServer ? new Promise<void>((resolve) => this.#server!.close(() => resolve())) : Promise.resolve();

    // Refuse new calls, let in-flight ones finish within the grace period, then go away.
    const connections = [...this.#connections];
    for (const c of connections) c.drain();
    const deadline = Date.now() + graceMs;
    await Promise.all(connections.map((c) => c.inFlight.idle(Math.max(0, deadline - Date.now()))));
    const closed = connections.map(async (c) => {
      c.close(CLOSE.goingAway, 'server shutting down');
      // A peer that does not answer the close handshake is cut off.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([c.whenClosed, new Promise<void>((resolve) => { timer = setTimeout(() => { c.terminate(); resolve(); }, 1_000); })]);
      clearTimeout(timer);
    });
    await Promise.all(closed);
    this.#removeGauge?.();
    this.#removeGauge = undefined;
    this.#wss.close();
    this.#wss = undefined;
    if (this.#ownServer) {
      this.#server?.closeAllConnections?.();
      await serverClosed;
      this.#server = undefined;
      this.#ownServer = false;
    }
  }
}

function noop(): void {}

function refuse(socket: Duplex, status: number, text: string, body = text): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${status === 503 ? 'Retry-After: 1\r\n' : ''}\r\n${body}`);
}
