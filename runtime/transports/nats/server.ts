/**
 * The NATS server transport: connects to NATS, subscribes every method served here in a queue
 * group (so N processes share the calls and each request runs once), answers micro discovery,
 * bridges events both ways, and registers itself as the dispatcher's router for methods other
 * processes serve. The subject scheme and headers are in subjects.ts and wire.ts (docs/nats.md).
 */
import { createInbox, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { jsonCodec, msgpackCodec } from '../../core/codecs.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import { AccordError } from '../../core/errors.js';
import type { ServerTransport } from '../../core/transport.js';
import { NatsCaller } from './caller.js';
import { checkOptionNames, openConnection, type NatsConnectOptions } from './connection.js';
import { Directory } from './directory.js';
import { EventBridge } from './events.js';
import { MicroResponder } from './micro.js';
import { NatsRouter } from './router.js';
import { routesOf, type Route } from './routes.js';
import { ServerCalls } from './server-calls.js';
import { RequestHandler } from './server-requests.js';
import { checkPrefix, checkToken, DEFAULT_PREFIX, DEFAULT_QUEUE, Subjects } from './subjects.js';
import { registerNatsMetrics } from './transport-metrics.js';
import { HEADERS, toHeaders } from './wire.js';

export interface NatsTransportOptions extends NatsConnectOptions {
  /** First subject token(s) of every Accord subject (default 'accord'). */
  prefix?: string;
  /** Queue group of the call subjects (default 'accord'). */
  queue?: string;
  /** Calls and streams in flight in this process; past it RESOURCE_EXHAUSTED (default 10 000). */
  maxInFlight?: number;
  /** Largest credit a caller may grant a stream, in items (default 1 024). */
  maxStreamCredit?: number;
  /** Silent heartbeat intervals after which a stream's caller, or a routed call's server, counts as gone (default 3). */
  missedHeartbeats?: number;
  /** Liveness interval this process asks of the servers its routed calls go to (default 1 000 ms). */
  heartbeatMs?: number;
  /** Codec of routed calls to other processes (default 'msgpack': bytes stay raw). */
  codec?: 'json' | 'msgpack';
  /** Codec of the events this process publishes (default 'json', readable with `nats sub`). */
  eventCodec?: 'json' | 'msgpack';
  /** Answer NATS micro discovery on $SRV (default true; the router and clients' error messages use it). */
  micro?: boolean;
  /** Route calls this process does not serve to processes that do (default true). */
  route?: boolean;
  /** How often the router re-reads discovery, besides announcements (default 30 000 ms). */
  discoveryIntervalMs?: number;
  /** How long start() waits for discovery answers from processes already running (default 250 ms). */
  discoveryWaitMs?: number;
}

const OWN_OPTIONS = [
  'prefix', 'queue', 'maxInFlight', 'maxStreamCredit', 'missedHeartbeats', 'heartbeatMs', 'codec', 'eventCodec', 'micro', 'route',
  'discoveryIntervalMs', 'discoveryWaitMs',
] as const;

const WHERE = 'transports.nats';
const SHUTTING_DOWN = new AccordError('UNAVAILABLE', 'the server is shutting down; retry');

export interface NatsServerTransport extends ServerTransport {
  readonly name: 'nats';
  readonly subjects: Subjects;
  /** The connection, once started (for tests and tools). */
  readonly connection: NatsConnection | undefined;
  /** Calls and streams in flight right now. */
  readonly inFlight: number;
}

export function natsTransport(options: NatsTransportOptions = {}): NatsServerTransport {
  return new NatsTransport(options);
}

/** Everything a started transport holds, so stop() can undo it in order. */
interface Running {
  nc: NatsConnection;
  dispatcher: Dispatcher;
  handler: RequestHandler;
  calls: ServerCalls;
  callSubs: Subscription[];
  micro: MicroResponder | undefined;
  events: EventBridge;
  directory: Directory;
  caller: NatsCaller;
  removeRouter: (() => void) | undefined;
  timer: ReturnType<typeof setInterval> | undefined;
  removeMetrics: () => void;
  /** Connection state for the gauges (nats.js reports it only as status events). */
  link: { connected: boolean; reconnects: number };
}

class NatsTransport implements NatsServerTransport {
  readonly name = 'nats' as const;
  readonly subjects: Subjects;
  readonly #options: NatsTransportOptions;
  readonly #queue: string;
  #running: Running | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: NatsTransportOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE} must be an options object`);
    checkOptionNames(options, OWN_OPTIONS, WHERE);
    this.#options = options;
    this.subjects = new Subjects(checkPrefix(options.prefix ?? DEFAULT_PREFIX, `${WHERE}.prefix`));
    this.#queue = checkToken(options.queue ?? DEFAULT_QUEUE, `${WHERE}.queue`);
    for (const key of ['codec', 'eventCodec'] as const) {
      const value = options[key];
      if (value !== undefined && value !== 'json' && value !== 'msgpack') throw new TypeError(`${WHERE}.${key} must be 'json' or 'msgpack', got ${JSON.stringify(value)}`);
    }
  }

  get connection(): NatsConnection | undefined {
    return this.#running?.nc;
  }

  get url(): string | undefined {
    const nc = this.#running?.nc;
    return nc && !nc.isClosed() ? `nats://${nc.getServer()}` : undefined;
  }

  get inFlight(): number {
    return this.#running?.handler.inFlight.size ?? 0;
  }

  async start(dispatcher: Dispatcher): Promise<void> {
    if (this.#running) throw new Error('the nats transport is already started');
    const o = this.#options;
    const nc = await openConnection(o, { name: `accord ${dispatcher.nodeId}`, noEcho: true }, WHERE);
    try {
      this.#running = this.#wire(nc, dispatcher);
      // Subscriptions are known to the NATS server before this transport counts as started.
      await nc.flush();
      if (this.#running.micro) this.#announce(nc, this.#running.micro);
      await this.#running.directory.refresh(o.discoveryWaitMs ?? 250);
    } catch (error) {
      if (this.#running) this.#unwire(this.#running);
      this.#running = undefined;
      await nc.close().catch(() => undefined);
      throw error;
    }
    void this.#watch(nc);
  }

  #wire(nc: NatsConnection, dispatcher: Dispatcher): Running {
    const o = this.#options;
    const subjects = this.subjects;
    const calls = new ServerCalls(nc, createInbox(o.inboxPrefix), o.missedHeartbeats ?? 3);
    const handler = new RequestHandler(nc, dispatcher, calls, { maxInFlight: o.maxInFlight ?? 10_000, maxStreamCredit: o.maxStreamCredit ?? 1_024 });
    const logged = (what: string) => (error: Error | null) => {
      if (error) dispatcher.logger.error({ err: error }, `nats: subscription to ${what} failed`);
    };
    // Control frames: on this process's own subject; cancels and probes sent before a caller knew it.
    nc.subscribe(calls.control, { callback: (error, msg) => (error ? logged('the control subject')(error) : calls.onControl(msg)) });
    nc.subscribe(subjects.cancel, { callback: (error, msg) => (error ? logged(subjects.cancel)(error) : calls.onControl(msg)) });
    nc.subscribe(subjects.probe, { callback: (error, msg) => (error ? logged(subjects.probe)(error) : calls.onProbe(msg)) });
    const routes = routesOf(dispatcher.services, subjects);
    const callSubs: Subscription[] = [];
    const subscribe = (subject: string, route: Route) => callSubs.push(nc.subscribe(subject, {
      queue: this.#queue,
      callback: (error, msg) => (error ? logged(subject)(error) : handler.handle(route, msg)),
    }));
    for (const route of routes) {
      subscribe(route.subject, route);
      if (route.latest) subscribe(route.latest, route);
    }
    const events = new EventBridge(nc, dispatcher, subjects, o.eventCodec === 'msgpack' ? msgpackCodec : jsonCodec);
    events.start(dispatcher.services);
    const micro = o.micro === false ? undefined : new MicroResponder(nc, dispatcher.services, routes, { prefix: subjects.prefix, queue: this.#queue, nodeId: dispatcher.nodeId });
    micro?.start();

    const directory = new Directory(nc, subjects, dispatcher.nodeId);
    nc.subscribe(subjects.announce, {
      callback: (_error, msg) => {
        const gone = msg.headers?.get(HEADERS.origin);
        if (msg.headers?.get(HEADERS.frame) === 'bye' && gone) directory.removeNode(gone);
        else directory.addMessage(msg);
      },
    });
    const caller = new NatsCaller(nc, {
      subjects, directory, codec: o.codec === 'json' ? jsonCodec : msgpackCodec,
      heartbeatMs: o.heartbeatMs, missedHeartbeats: o.missedHeartbeats, inboxPrefix: o.inboxPrefix,
    });
    let removeRouter: (() => void) | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    if (o.route !== false) {
      removeRouter = dispatcher.addRouter(new NatsRouter(caller, directory, () => void directory.refresh(500, 1_000)));
      timer = setInterval(() => void directory.refresh(500), o.discoveryIntervalMs ?? 30_000);
      timer.unref?.();
    }
    const link = { connected: true, reconnects: 0 };
    const removeMetrics = registerNatsMetrics(dispatcher, {
      nc,
      connected: () => link.connected && !nc.isClosed(),
      reconnects: () => link.reconnects,
      callsInFlight: () => handler.inFlight.size,
      routedCalls: () => caller.pending,
      callSubscriptions: () => callSubs.length,
    });
    return { nc, dispatcher, handler, calls, callSubs, micro, events, directory, caller, removeRouter, timer, removeMetrics, link };
  }

  /** Tells running processes what this one serves, so their routers need not wait for a refresh. */
  #announce(nc: NatsConnection, micro: MicroResponder): void {
    for (const info of micro.infos()) nc.publish(this.subjects.announce, JSON.stringify(info));
  }

  /** Connection status: a disconnect fails routed calls at once and stops streams (their items are lost). */
  async #watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      const running = this.#running;
      if (!running || running.nc !== nc) return;
      if (status.type === 'disconnect') {
        running.link.connected = false;
        running.caller.disconnected();
        running.calls.stopAll(new AccordError('UNAVAILABLE', 'the server lost its connection to NATS'), 'streams');
        running.dispatcher.logger.warn({ server: status.server }, 'nats: disconnected; reconnecting');
      } else if (status.type === 'reconnect') {
        running.link.connected = true;
        running.link.reconnects++;
        running.caller.reconnected();
        if (running.micro && !running.handler.draining) this.#announce(nc, running.micro);
        running.dispatcher.logger.info({ server: status.server }, 'nats: reconnected');
      } else if (status.type === 'error') {
        // e.g. a permissions violation: calls routed to a subject this user may not publish to fail at once.
        running.caller.refused(status.error);
        running.dispatcher.logger.warn({ err: status.error }, `nats: the NATS server reported an error: ${status.error.message}`);
      }
    }
  }

  stop(options: { graceMs?: number } = {}): Promise<void> {
    return (this.#stopping ??= this.#stop(options.graceMs ?? 10_000).finally(() => {
      this.#stopping = undefined;
    }));
  }

  async #stop(graceMs: number): Promise<void> {
    const running = this.#running;
    if (!running) return;
    const { nc, handler, calls } = running;
    const deadline = Date.now() + graceMs;
    const connected = !nc.isClosed();
    if (connected) {
      // Other routers forget this process; its call subjects stop taking new requests (the queue
      // group hands them to the other members), but what was already delivered here still runs.
      try {
        nc.publish(this.subjects.announce, undefined, { headers: toHeaders({ [HEADERS.frame]: 'bye', [HEADERS.origin]: running.dispatcher.nodeId }) });
      } catch {
        // closing
      }
      running.micro?.stop();
      await within(Promise.all(running.callSubs.map((sub) => sub.drain().catch(() => undefined))), Math.max(0, deadline - Date.now()));
    }
    handler.draining = true;
    await handler.inFlight.idle(Math.max(0, deadline - Date.now()));
    // The grace period is over: what still runs is cut, and its callers hear UNAVAILABLE.
    calls.stopAll(SHUTTING_DOWN);
    await new Promise((resolve) => setImmediate(resolve));
    this.#unwire(running);
    this.#running = undefined;
    if (!nc.isClosed()) {
      await within(nc.drain().catch(() => undefined), 2_000);
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    }
  }

  /** Undoes what #wire hooked into the dispatcher and the timers (the connection is closed by the caller). */
  #unwire(running: Running): void {
    running.removeMetrics();
    running.micro?.stop();
    running.events.stop();
    running.removeRouter?.();
    clearInterval(running.timer);
    running.calls.close();
    running.caller.close(SHUTTING_DOWN);
  }
}

/** `work`, or nothing after `ms` (shutdown steps must not hang on a dead connection). */
function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).then(() => clearTimeout(timer));
}
