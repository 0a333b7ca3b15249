/**
 * `natsClient({ servers })`: the client transport over NATS. The generated clients work over it
 * unchanged: calls and streams through one multiplexed inbox (caller.ts), events by subscribing
 * their subjects. It connects on the first call (or `connect()`), fails calls in flight with
 * UNAVAILABLE the moment the connection drops (idempotent ones are retried by the generated
 * clients, and sent once NATS is back), and nats.js resubscribes events after a reconnect. A
 * circuit breaker fails unary calls at once after repeated UNAVAILABLE or timeouts (`circuit`).
 */
import { PermissionViolationError, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { circuitBreakerFor, guardWithBreaker, type CircuitBreaker, type CircuitOptions } from '../../core/circuit-breaker.js';
import type { ClientTransport, EventSubscription, OutgoingCall } from '../../core/client-transport.js';
import { jsonCodec, msgpackCodec } from '../../core/codecs.js';
import { AccordError } from '../../core/errors.js';
import { NatsCaller, type CallerTuning } from './caller.js';
import { checkOptionNames, openConnection, serverList, type NatsConnectOptions } from './connection.js';
import { Directory } from './directory.js';
import { checkPrefix, DEFAULT_PREFIX, Subjects } from './subjects.js';
import { codecOf, decodeBody, HEADERS } from './wire.js';

export interface NatsClientOptions extends NatsConnectOptions, CallerTuning {
  /** An open connection to use instead of opening one (close() leaves it open). */
  connection?: NatsConnection;
  /** The servers' subject prefix (default 'accord'). */
  prefix?: string;
  /** 'json' (default; readable with `nats sub`) or 'msgpack' (bytes travel raw). */
  codec?: 'json' | 'msgpack';
  /** Called when an event cannot be decoded or a listener throws (default: console.warn). */
  onError?: (error: AccordError, subscription?: EventSubscription) => void;
  /**
   * The circuit breaker of unary calls over this client's connection (default: 5 failures in a row
   * open it for 1 s, doubling while probes fail); `false` turns it off. Its target is the server list.
   */
  circuit?: CircuitBreaker | CircuitOptions | false;
}

export interface NatsClientTransport extends ClientTransport {
  subscribe(subscription: EventSubscription, listener: (data: unknown) => void): () => void;
  /** Connects now instead of on the first call. */
  connect(): Promise<void>;
  /** The connection, once connected. */
  readonly connection: NatsConnection | undefined;
  /** Fails calls in flight with UNAVAILABLE, ends subscriptions, closes the connection it opened. */
  close(): Promise<void>;
}

const OWN_OPTIONS = ['connection', 'prefix', 'codec', 'heartbeatMs', 'missedHeartbeats', 'streamWindow', 'reconnectWaitMs', 'discoveryWaitMs', 'maxPending', 'onError', 'circuit'] as const;
const WHERE = 'natsClient';

export function natsClient(options: NatsClientOptions = {}): NatsClientTransport {
  const target = options.connection && options.servers === undefined ? 'nats (a given connection)' : serverList(options.servers, WHERE).join(',');
  return guardWithBreaker(new NatsClient(options), circuitBreakerFor(target, options.circuit));
}

interface EventListenerEntry {
  spec: EventSubscription;
  listener: (data: unknown) => void;
  sub: Subscription | undefined;
}

class NatsClient implements NatsClientTransport {
  readonly #options: NatsClientOptions;
  readonly #subjects: Subjects;
  #caller: NatsCaller | undefined;
  #nc: NatsConnection | undefined;
  #connecting: Promise<NatsCaller> | undefined;
  readonly #listeners = new Set<EventListenerEntry>();
  #closed = false;

  constructor(options: NatsClientOptions) {
    checkOptionNames(options, OWN_OPTIONS, WHERE);
    if (options.codec !== undefined && options.codec !== 'json' && options.codec !== 'msgpack') throw new TypeError(`${WHERE}.codec must be 'json' or 'msgpack', got ${JSON.stringify(options.codec)}`);
    this.#options = options;
    this.#subjects = new Subjects(checkPrefix(options.prefix ?? DEFAULT_PREFIX, `${WHERE}.prefix`));
  }

  get connection(): NatsConnection | undefined {
    return this.#nc;
  }

  unary(call: OutgoingCall): Promise<unknown> {
    const caller = this.#caller;
    return caller ? caller.unary(call) : this.#connect().then((c) => c.unary(call));
  }

  stream(call: OutgoingCall): AsyncIterable<unknown> {
    const caller = this.#caller;
    if (caller) return caller.stream(call);
    let inner: AsyncIterator<unknown> | undefined;
    // Not connected yet: the first next() connects; return() before that has nothing to stop.
    return {
      [Symbol.asyncIterator]: () => ({
        next: async () => (inner ??= (await this.#connect()).stream(call)[Symbol.asyncIterator]()).next(),
        return: async () => (await inner?.return?.()) ?? { done: true as const, value: undefined },
      }),
    };
  }

  subscribe(spec: EventSubscription, listener: (data: unknown) => void): () => void {
    if (this.#closed) throw new AccordError('UNAVAILABLE', 'this client is closed');
    const entry: EventListenerEntry = { spec: { ...spec }, listener, sub: undefined };
    this.#listeners.add(entry);
    if (this.#nc) this.#listen(this.#nc, entry);
    else this.#connect().catch((error: AccordError) => this.#report(error, spec));
    return () => {
      this.#listeners.delete(entry);
      entry.sub?.unsubscribe();
    };
  }

  async connect(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new AccordError('UNAVAILABLE', 'the client was closed');
    this.#caller?.close(closed);
    for (const entry of this.#listeners) entry.sub?.unsubscribe();
    this.#listeners.clear();
    const nc = this.#nc;
    if (nc && !this.#options.connection && !nc.isClosed()) await nc.close();
  }

  #connect(): Promise<NatsCaller> {
    if (this.#closed) return Promise.reject(new AccordError('UNAVAILABLE', 'this client is closed'));
    if (this.#caller) return Promise.resolve(this.#caller);
    return (this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    }));
  }

  async #open(): Promise<NatsCaller> {
    const o = this.#options;
    let nc: NatsConnection;
    try {
      nc = o.connection ?? await openConnection(o, { name: 'accord client' }, WHERE);
    } catch (error) {
      throw new AccordError('UNAVAILABLE', (error as Error).message);
    }
    if (this.#closed) {
      if (!o.connection) await nc.close();
      throw new AccordError('UNAVAILABLE', 'this client is closed');
    }
    const caller = new NatsCaller(nc, {
      subjects: this.#subjects,
      codec: o.codec === 'msgpack' ? msgpackCodec : jsonCodec,
      directory: new Directory(nc, this.#subjects),
      heartbeatMs: o.heartbeatMs,
      missedHeartbeats: o.missedHeartbeats,
      streamWindow: o.streamWindow,
      reconnectWaitMs: o.reconnectWaitMs,
      discoveryWaitMs: o.discoveryWaitMs,
      maxPending: o.maxPending,
      inboxPrefix: o.inboxPrefix,
    });
    this.#nc = nc;
    this.#caller = caller;
    for (const entry of this.#listeners) this.#listen(nc, entry);
    void this.#watch(nc, caller);
    return caller;
  }

  async #watch(nc: NatsConnection, caller: NatsCaller): Promise<void> {
    void nc.closed().then(() => caller.close(new AccordError('UNAVAILABLE', 'the NATS connection is closed')));
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') caller.disconnected();
      else if (status.type === 'reconnect') caller.reconnected();
      else if (status.type === 'error') caller.refused(status.error);
    }
  }

  #listen(nc: NatsConnection, entry: EventListenerEntry): void {
    const { service, version, event } = entry.spec;
    const subject = this.#subjects.event(service, version, event);
    entry.sub = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) {
          const denied = error instanceof PermissionViolationError;
          return this.#report(new AccordError(denied ? 'PERMISSION_DENIED' : 'UNAVAILABLE', `subscription to ${subject} failed: ${error.message}`), entry.spec);
        }
        let data: unknown;
        try {
          data = decodeBody(codecOf(msg.headers?.get(HEADERS.contentType) || undefined), msg.data, `the event on ${subject}`);
        } catch (cause) {
          return this.#report(cause as AccordError, entry.spec);
        }
        try {
          entry.listener(data);
        } catch (cause) {
          this.#report(new AccordError('INTERNAL', `an event listener for ${subject} threw: ${(cause as Error)?.message ?? cause}`), entry.spec);
        }
      },
    });
  }

  #report(error: AccordError, subscription?: EventSubscription): void {
    if (this.#options.onError) this.#options.onError(error, subscription);
    else console.warn(`accord nats: ${error.code}: ${error.message}`);
  }
}
