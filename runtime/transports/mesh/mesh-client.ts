/**
 * A client that joins the mesh as a node of its own (no services, no forwarding for others) and
 * calls whichever node serves a method, with the same balancing, failover and contract checks as
 * a server node. Core's routing rules stamp each call (RoutedCalls.forwarded: hop limit, visited
 * list, a fixed deadline); the call then goes straight to the mesh router, and its own session
 * call ends it at the deadline or when the caller's signal aborts (telling the serving node), so
 * errors arrive exactly as the serving node sent them. Events emitted anywhere in the mesh reach
 * its subscribers. It joins lazily on the first call (or `connect()`).
 */
import { randomBytes } from 'node:crypto';
import type { ClientTransport, EventSubscription, OutgoingCall } from '../../core/client-transport.js';
import { Dispatcher } from '../../core/dispatcher.js';
import { nextCallId, type CallEnvelope } from '../../core/envelope.js';
import { AccordError } from '../../core/errors.js';
import { DeadlineSweeper } from '../../core/deadline-sweeper.js';
import { RoutedCalls } from '../../core/router.js';
import { MeshNode, type MeshStatus } from './mesh-node.js';
import { checkNodeId, resolveMeshOptions, type MeshOptions } from './options.js';

export interface MeshClientOptions extends MeshOptions {
  /** This client's node id in the mesh (default `client-<8 hex digits>`). */
  nodeId?: string;
  /** Deadline of calls that set none (default 30 s). */
  defaultTimeoutMs?: number;
  /** Calls through more nodes than this fail with LOOP_DETECTED (default 16). */
  maxHops?: number;
}

export interface MeshClientTransport extends ClientTransport {
  subscribe(subscription: EventSubscription, listener: (data: unknown) => void): () => void;
  /** Joins now: dials every seed once; resolves when each has linked (or failed). */
  connect(): Promise<void>;
  /** Joins, then waits until a node serving `service` (and `version`) is reachable; UNAVAILABLE after `timeoutMs`. */
  ready(service: string, version?: number, timeoutMs?: number): Promise<void>;
  status(): MeshStatus;
  /** Leaves the mesh; calls in flight fail with UNAVAILABLE. */
  close(): Promise<void>;
}

export function meshClient(options: MeshClientOptions): MeshClientTransport {
  return new MeshClient(options);
}

class MeshClient implements MeshClientTransport {
  /** Never serves a call: it gives the node an event bus and answers a peer that calls it anyway. */
  readonly #dispatcher: Dispatcher;
  readonly #node: MeshNode;
  readonly #routed: RoutedCalls;
  #joining: Promise<void> | undefined;
  #joined = false;

  constructor(options: MeshClientOptions) {
    const { nodeId, defaultTimeoutMs, maxHops, ...mesh } = options;
    // Short: the id travels in every call's visited list, and MessagePack reads strings under 16 bytes fastest.
    const id = nodeId === undefined ? `client-${randomBytes(4).toString('hex')}` : checkNodeId(nodeId, 'meshClient nodeId');
    this.#node = new MeshNode(resolveMeshOptions(mesh, { relay: false }));
    this.#dispatcher = new Dispatcher({ services: [], nodeId: id, logger: options.logger });
    this.#routed = new RoutedCalls({ nodeId: id, maxHops: maxHops ?? 16, defaultTimeoutMs: defaultTimeoutMs ?? 30_000, deadlines: new DeadlineSweeper() });
  }

  unary(call: OutgoingCall): Promise<unknown> {
    if (this.#joined) return this.#unary(call);
    return this.connect().then(() => this.#unary(call));
  }

  stream(call: OutgoingCall): AsyncIterable<unknown> {
    return { [Symbol.asyncIterator]: () => new JoiningStream(this.connect(), () => this.#open(call)) };
  }

  subscribe(subscription: EventSubscription, listener: (data: unknown) => void): () => void {
    void this.connect().catch(() => undefined);
    return this.#dispatcher.events.subscribe(subscription.service, subscription.version, subscription.event, listener);
  }

  connect(): Promise<void> {
    this.#joining ??= this.#node.start(this.#dispatcher).then(() => {
      this.#routed.add(this.#node.router!);
      this.#joined = true;
    });
    return this.#joining;
  }

  async ready(service: string, version?: number, timeoutMs?: number): Promise<void> {
    await this.connect();
    await this.#node.whenReachable(service, version, timeoutMs);
  }

  status(): MeshStatus {
    return this.#node.status();
  }

  async close(): Promise<void> {
    await this.#joining?.catch(() => undefined);
    await this.#node.stop(0);
    await this.#dispatcher.close();
  }

  #unary(call: OutgoingCall): Promise<unknown> {
    try {
      return this.#node.router!.send(this.#stamped(call, 'unary'), call.signal, undefined, call.idempotent);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #open(call: OutgoingCall): AsyncIterator<unknown> {
    return this.#node.router!.open(this.#stamped(call, 'stream'), call.signal);
  }

  /** The call as core's rules send it on: checked for hops and kind, a fixed deadline, one more hop, this node visited. */
  #stamped(call: OutgoingCall, kind: 'unary' | 'stream'): CallEnvelope {
    const envelope = envelopeOf(call);
    const found = this.#routed.find(envelope.service, envelope.version, envelope.method);
    if (!found) {
      throw this.#node.isolation() ?? new AccordError('UNIMPLEMENTED', `no reachable mesh node serves ${envelope.service}.v${envelope.version}.${envelope.method}`);
    }
    return this.#routed.forwarded(envelope, found.method.kind, kind);
  }
}

function envelopeOf(call: OutgoingCall): CallEnvelope {
  return {
    id: nextCallId(),
    service: call.service,
    version: call.version,
    method: call.method,
    input: call.input,
    meta: { deadline: call.deadline, traceparent: call.traceparent, hops: call.hops ?? 0, visited: call.visited ? [...call.visited] : undefined, headers: call.metadata },
  };
}

/** A stream that joins the mesh before its first call goes out; errors reach the first `next()`. */
class JoiningStream implements AsyncIterator<unknown> {
  #inner: AsyncIterator<unknown> | undefined;
  #returned = false;

  constructor(private readonly joined: Promise<void>, private readonly open: () => AsyncIterator<unknown>) {}

  async next(): Promise<IteratorResult<unknown>> {
    if (!this.#inner) {
      await this.joined;
      if (this.#returned) return { value: undefined, done: true };
      this.#inner = this.open();
    }
    return this.#inner.next();
  }

  return(): Promise<IteratorResult<unknown>> {
    this.#returned = true;
    return this.#inner?.return?.() ?? Promise.resolve({ value: undefined, done: true });
  }
}
