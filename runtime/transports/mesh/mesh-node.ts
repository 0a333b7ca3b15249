/**
 * One mesh node on a dispatcher: listens for peers and dials seeds (and the nodes gossip tells it
 * of), authenticates every connection (handshake.ts), keeps one link per peer, gossips node
 * records, routes calls the dispatcher does not serve (mesh-router.ts) and relays events
 * (event-relay.ts). A server runs one for `transports.mesh`; a meshClient runs one on an empty
 * dispatcher. Graceful stop: tell every peer this node is leaving, goaway on every link, let calls
 * in flight finish for the grace period, then close.
 */
import { randomBytes } from 'node:crypto';
import type { Server, Socket } from 'node:net';
import type { Dispatcher } from '../../core/dispatcher.js';
import { AccordError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { ContractIndex } from './contract-index.js';
import { Dialer, type DialTarget } from './dialer.js';
import { EventRelay } from './event-relay.js';
import { FramedSocket } from './framed-socket.js';
import { Gossip } from './gossip.js';
import { Handshake, type HandshakeResult } from './handshake.js';
import { Membership } from './membership.js';
import { registerMeshMetrics } from './mesh-metrics.js';
import { MeshRouter } from './mesh-router.js';
import type { NodeRecord } from './node-record.js';
import { NodeWarnings } from './node-warnings.js';
import { checkNodeId, type ResolvedMeshOptions } from './options.js';
import { PeerAdmission } from './peer-admission.js';
import { isEviction, PendingHandshakes } from './pending-handshakes.js';
import { MeshKey, type HandshakeRole } from './peer-auth.js';
import { PeerLink, type LinkEvents, type LinkLimits, type LocalServices } from './peer-link.js';
import { RouteTable } from './route-table.js';
import { ServiceWaiters } from './service-waiters.js';
import { dial, formatAddress, listen, parseAddress } from './sockets.js';

export interface MeshStatus {
  node: string;
  url: string | undefined;
  links: ReturnType<PeerLink['stats']>[];
  /** Reachable nodes: hops and the peer the first hop goes to. */
  reachable: Record<string, { hops: number; via: string }>;
  /** `service.vN` → the reachable nodes serving it. */
  services: Record<string, string[]>;
  events: ReturnType<EventRelay['stats']>;
  /** Node records sent and received in gossip. */
  gossip: ReturnType<Gossip['stats']>;
  routedInFlight: number;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
/** Handshake failures that are this node refusing a peer (logged as warnings). */
const REFUSALS = new Set(['UNAUTHENTICATED', 'FAILED_PRECONDITION', 'PROTOCOL_ERROR', 'RESOURCE_EXHAUSTED']);

/** What exists once the node started (everything that needs the dispatcher and the node id). */
interface Running {
  dispatcher: Dispatcher;
  self: string;
  logger: Logger;
  warnings: NodeWarnings;
  membership: Membership;
  gossip: Gossip;
  routes: RouteTable;
  router: MeshRouter;
  events: EventRelay;
  dialer: Dialer;
  admission: PeerAdmission;
  pending: PendingHandshakes;
  limits: LinkLimits;
  local: LocalServices;
  server: Server | undefined;
  cleanup: Array<() => void>;
}

export class MeshNode {
  readonly options: ResolvedMeshOptions;
  /** Random per start: tells this process from another one using the same node id. */
  readonly instance = randomBytes(8).toString('hex');
  readonly #key: MeshKey;
  readonly #links = new Map<string, PeerLink>();
  readonly #ownNonces = new Set<string>();
  readonly #waiters = new ServiceWaiters();
  #run: Running | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: ResolvedMeshOptions) {
    this.options = options;
    this.#key = new MeshKey(options.key);
  }

  get id(): string | undefined {
    return this.#run?.self;
  }

  /** The port peers dial, once listening. */
  get port(): number | undefined {
    const address = this.#run?.server?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  get url(): string | undefined {
    const port = this.port;
    return port === undefined ? undefined : `mesh://${formatAddress({ host: this.options.host, port })}`;
  }

  /** The node's router (for a client that routes its own calls with core's RoutedCalls). */
  get router(): MeshRouter | undefined {
    return this.#run?.router;
  }

  get started(): boolean {
    return this.#run !== undefined && this.#stopping === undefined;
  }

  /** Listens, dials every seed once (resolving when each has linked and synced, or failed), and starts routing. */
  async start(dispatcher: Dispatcher): Promise<void> {
    if (this.#run) throw new Error('this mesh node is already started');
    const options = this.options;
    const self = checkNodeId(dispatcher.nodeId, 'nodeId (ACCORD_NODE_ID)');
    const logger = options.logger ?? dispatcher.logger;
    const served = new ContractIndex(dispatcher.services);
    const expected = new ContractIndex([...options.contracts, ...dispatcher.services]);
    const warnings = new NodeWarnings(self, served, logger);
    const membership = new Membership(
      { node: self, instance: this.instance, addr: options.advertise, relay: options.relay, services: served.offers, links: [] },
      (record) => warnings.foreignSelf(record),
    );
    const links = () => this.#links.values();
    const gossip = new Gossip(membership, links, (records) => this.#onNews(records), logger);
    const routes = new RouteTable(membership, links, expected);
    const router = new MeshRouter(routes, expected, options.maxRoutedInFlight, options.localFirst);
    const events = new EventRelay(dispatcher, routes, { self, relay: options.relay, maxBufferedBytes: options.maxEventBufferBytes, logger });
    const dialer = new Dialer({ connect: (target) => this.#dial(target), wanted: (target) => this.#wanted(target) }, options.reconnect, logger);
    const limits: LinkLimits = {
      maxFrameBytes: options.maxFrameBytes, maxInFlight: options.maxInFlightPerLink, maxStreamCredit: options.streamCreditWindow,
      highWaterBytes: options.highWaterBytes, maxEventBufferBytes: options.maxEventBufferBytes,
      heartbeatIntervalMs: options.heartbeatIntervalMs, streamWindow: options.streamWindow,
    };
    const sweep = setInterval(() => this.#sweep(), Math.min(10_000, options.forgetAfterMs / 4));
    sweep.unref();
    const local: LocalServices = {
      self,
      relays: options.relay,
      fingerprint: (service, version, method) => {
        const known = served.method(service, version, method);
        return typeof known === 'object' ? known.fingerprint : undefined;
      },
    };
    const run: Running = {
      dispatcher, self, logger, warnings, membership, gossip, routes, router, events, dialer, limits, local, server: undefined,
      admission: new PeerAdmission(self, this.#links, options.maxPeers),
      pending: new PendingHandshakes(options.maxPendingHandshakes, self, logger),
      cleanup: [() => clearInterval(sweep)],
    };
    this.#run = run;
    if (options.port !== undefined) {
      try {
        run.server = await listen({ host: options.host, port: options.port }, options.tls, this.#key, options.handshakeTimeoutMs, (socket) => this.#inbound(socket));
      } catch (error) {
        this.#stopping = Promise.resolve();
        clearInterval(sweep);
        throw new AccordError('UNAVAILABLE', `mesh node '${self}' cannot listen on ${formatAddress({ host: options.host, port: options.port })}: ${(error as Error).message}`);
      }
      if (options.advertise === undefined && !WILDCARD_HOSTS.has(options.host)) gossip.updateOwn({ addr: formatAddress({ host: options.host, port: this.port! }) });
      if (membership.own.addr === undefined) logger.warn({ node: self }, `mesh node listens on ${options.host}, which peers cannot dial: set transports.mesh.advertise so gossip can tell them where to`);
    }
    run.cleanup.push(dispatcher.addRouter(router), events.start(), registerMeshMetrics(dispatcher, { links, membership, routes, router }));
    logger.info({ node: self, url: this.url, seeds: options.seeds, tls: options.tls ? (options.tls === true ? 'psk' : 'certificate') : 'off' }, 'mesh node started');
    await Promise.all(options.seeds.map((seed) => dialer.seed(seed)));
  }

  /** Goaway on every link, calls in flight finish (up to `graceMs`), then every link closes. */
  stop(graceMs = 10_000): Promise<void> {
    return (this.#stopping ??= this.#stop(graceMs));
  }

  /** Resolves once a reachable node serves `service` (`version`: that version), or rejects after `timeoutMs`. */
  whenReachable(service: string, version?: number, timeoutMs = 10_000): Promise<void> {
    const check = () => Object.keys(this.#run?.routes.services() ?? {}).some((key) => (version === undefined ? key.startsWith(`${service}.v`) : key === `${service}.v${version}`));
    const what = `${service}${version === undefined ? '' : `.v${version}`}`;
    return this.#waiters.wait(check, timeoutMs, () => new AccordError('UNAVAILABLE', `no mesh node serving ${what} became reachable within ${timeoutMs} ms`));
  }

  /** Why this node has no usable link (each seed's last dial error), or undefined when it has one. */
  isolation(): AccordError | undefined {
    for (const link of this.#links.values()) if (link.usable) return undefined;
    const seeds = [...(this.#run?.dialer.targets() ?? [])].filter((t) => t.seed && !t.self);
    const why = seeds.map((t) => `${t.addr}${t.lastError ? ` (${t.lastError.code}: ${t.lastError.message})` : ''}`).join('; ');
    return new AccordError('UNAVAILABLE', `mesh node '${this.id ?? '?'}' has no link to any other node${why ? `; seeds: ${why}` : ' and no seeds'}`);
  }

  status(): MeshStatus {
    const run = this.#run;
    const reachable: MeshStatus['reachable'] = {};
    for (const [node, r] of run?.routes.reach() ?? []) reachable[node] = { hops: r.hops, via: r.via.peer };
    return {
      node: run?.self ?? '', url: this.url, links: [...this.#links.values()].map((l) => l.stats()), reachable,
      services: run?.routes.services() ?? {}, events: run?.events.stats() ?? { sent: 0, received: 0, dropped: 0 },
      gossip: run?.gossip.stats() ?? { sent: 0, received: 0 }, routedInFlight: run?.router.inFlight ?? 0,
    };
  }

  async #stop(graceMs: number): Promise<void> {
    const run = this.#run;
    if (!run) return;
    run.dialer.stop();
    const serverClosed = run.server ? new Promise<void>((resolve) => run.server!.close(() => resolve())) : Promise.resolve();
    run.gossip.updateOwn({ leaving: true, services: [], links: [] });
    run.gossip.flush();
    const reason = `mesh node '${run.self}' is stopping`;
    const links = [...this.#links.values()];
    for (const link of links) link.drain(reason);
    const deadline = Date.now() + graceMs;
    const left = () => Math.max(0, deadline - Date.now());
    await Promise.all([...links.map((link) => link.incoming.idle(left())), run.router.idle(left())]);
    for (const link of this.#links.values()) link.close('goingAway', reason);
    for (const undo of run.cleanup) undo();
    this.#waiters.fail(new AccordError('UNAVAILABLE', reason));
    await serverClosed;
    run.logger.info({ node: run.self }, 'mesh node stopped');
  }

  #inbound(socket: Socket): void {
    if (!this.started || !this.#run!.pending.makeRoom()) {
      socket.destroy();
      return;
    }
    socket.on('error', () => undefined);
    this.#handshake(socket, 'acceptor').catch(() => undefined);
  }

  async #dial(target: DialTarget): Promise<string> {
    const socket = await dial(parseAddress(target.addr, 'mesh peer'), this.options.tls, this.#key, this.options.connectTimeoutMs);
    const link = await this.#handshake(socket, 'dialer');
    // Joining means knowing the peer's records too: wait for its state (bounded). A link that closes
    // first is a failed dial (the peer refused it: this node's id is in use there), unless another
    // link to the same peer replaced it (both dialed at once).
    const timeout = new Promise<undefined>((resolve) => void setTimeout(() => resolve(undefined), this.options.handshakeTimeoutMs).unref());
    const closedFirst = await Promise.race([link.whenSynced, timeout]);
    const current = this.#links.get(link.peer);
    if (closedFirst && (!current || current.closed)) throw closedFirst;
    return link.peer;
  }

  #handshake(socket: Socket, role: HandshakeRole): Promise<PeerLink> {
    const run = this.#run!;
    const framed = new FramedSocket(socket, this.options.maxFrameBytes);
    return new Promise((resolve, reject) => {
      const options = { self: run.self, instance: this.instance, key: this.#key, role, timeoutMs: this.options.handshakeTimeoutMs, ownNonces: this.#ownNonces, admit: this.#admit };
      const handshake: Handshake = new Handshake(framed, options, {
        authenticated: (result) => {
          run.pending.remove(handshake);
          resolve(this.#attach(framed, result));
        },
        failed: (error) => {
          run.pending.remove(handshake);
          // A refusal (bad key, id in use, no common version, garbage) is worth a warning; a dropped connection is not,
          // nor is each eviction (PendingHandshakes reports those). The dialer's own failures are logged by the Dialer.
          const refusal = REFUSALS.has(error.code) && !isEviction(error);
          if (role === 'acceptor') run.logger[refusal ? 'warn' : 'debug']({ node: run.self, remote: framed.remote, code: error.code }, `mesh handshake failed: ${error.message}`);
          reject(error);
        },
      });
      run.pending.add(handshake, role);
    });
  }

  readonly #admit = (peer: string, instance: string | undefined, role: HandshakeRole): AccordError | undefined =>
    this.started ? this.#run!.admission.refusal(peer, instance, role) : new AccordError('UNAVAILABLE', `mesh node '${this.#run!.self}' is stopping`);

  /** An authenticated connection becomes the peer's link, unless a link to that peer that wins already exists. */
  #attach(framed: FramedSocket, result: HandshakeResult): PeerLink {
    const run = this.#run!;
    const link = new PeerLink(framed, result, run.dispatcher, run.limits, this.#linkEvents, run.local);
    if (!this.started) {
      link.close('goingAway', `mesh node '${run.self}' is stopping`);
      return link;
    }
    const existing = this.#links.get(result.peer);
    if (existing && !existing.closed && !run.admission.replaces(existing, link)) {
      link.close('normal', `a link to mesh node '${run.self}' already exists`);
      return existing;
    }
    this.#links.set(result.peer, link);
    existing?.close('normal', 'replaced by a newer link between the same nodes');
    run.gossip.updateOwn({ links: [...this.#links.keys()] });
    link.sendControl({ type: 'state', maxFrameBytes: this.options.maxFrameBytes, records: run.membership.all() });
    run.logger.info({ node: run.self, peer: result.peer, remote: framed.remote, role: result.role }, 'mesh link up');
    this.#changed();
    return link;
  }

  readonly #linkEvents: LinkEvents = {
    state: (link, frame) => {
      this.#run?.gossip.receive(frame.records, link);
      this.#changed(); // the link is usable now, even when its records held no news
    },
    gossip: (link, frame) => this.#run?.gossip.receive(frame.records, link),
    event: (_link, frame) => this.#run?.events.receive(frame),
    goaway: () => this.#changed(),
    closed: (link, error) => {
      const run = this.#run!;
      if (this.#links.get(link.peer) === link) {
        this.#links.delete(link.peer);
        if (this.started) run.gossip.updateOwn({ links: [...this.#links.keys()] });
        run.logger.info({ node: run.self, peer: link.peer, reason: error.message }, 'mesh link down');
      }
      this.#changed();
      run.dialer.kick();
    },
  };

  #wanted(target: DialTarget): boolean {
    if (!this.started) return false;
    if (target.node !== undefined && this.#links.has(target.node)) return false;
    if (!target.seed) {
      const record = target.node === undefined ? undefined : this.#run!.membership.get(target.node);
      if (!record || record.leaving) return false;
    }
    return this.#links.size < this.options.maxPeers;
  }

  /** Records that were news: routes change, new nodes may be worth dialing, contract drift is worth a warning. */
  #onNews(records: NodeRecord[]): void {
    const run = this.#run!;
    for (const record of records) {
      if (record.node === run.self) continue;
      if (this.options.dialDiscovered && record.addr && !record.leaving && !this.#links.has(record.node)) run.dialer.discovered(record.addr, record.node);
      run.warnings.contractDrift(record);
    }
    this.#changed();
  }

  #sweep(): void {
    const run = this.#run!;
    if (run.membership.sweep(new Set(run.routes.reach().keys()), this.options.forgetAfterMs).length > 0) this.#changed();
  }

  /** Links or records changed: recompute routes (lazily) and wake whoever waits for a service. */
  #changed(): void {
    this.#run?.routes.invalidate();
    this.#waiters.changed();
  }
}

