/**
 * Routing: calls for a service, version or method the local dispatcher does not serve go to a
 * router (the mesh, NATS) instead of failing with UNIMPLEMENTED. A router only moves the call; the
 * rules stay here, applied the same way for every router: the hop limit, the visited-node list
 * (a call that comes back to a node it passed is a loop), the deadline and cancellation.
 */
import { CallScope } from './call-scope.js';
import type { DeadlineSweeper } from './deadline-sweeper.js';
import type { CallEnvelope } from './envelope.js';
import { AccordError } from './errors.js';
import { RoutedCall } from './routed-call.js';

/** What a router knows of a method it can reach. */
export interface RoutedMethod {
  kind: 'unary' | 'stream';
}

export interface Router {
  /** Used in logs and errors ('mesh', 'nats'). */
  readonly name: string;
  /** Whether (and how) the router can reach the method; `version` undefined: the highest it knows. */
  find(service: string, version: number | undefined, method: string): RoutedMethod | undefined;
  /**
   * Runs the call elsewhere. The envelope already has its deadline, one more hop and this node in
   * `visited`; `scope` aborts on cancel or deadline (stop the remote call then). Rejects with an
   * AccordError; UNIMPLEMENTED or FAILED_PRECONDITION when no reachable node serves the method.
   */
  unary(envelope: CallEnvelope, scope: CallScope): Promise<unknown>;
  /** A routed server stream; `return()` on its iterator must stop the remote generator. */
  stream(envelope: CallEnvelope, scope: CallScope): AsyncIterable<unknown>;
  /**
   * Optional: whether a call this node serves itself should run elsewhere instead (the mesh with
   * `localFirst: false` balances served calls too). Asked only for calls that have made no hop yet,
   * so a call is balanced once, where it enters; `running` is how many calls run here now and
   * `version` the version served here. Returns how the router reaches the method, or undefined to
   * run the call here.
   */
  offload?(envelope: CallEnvelope, version: number, running: number): RoutedMethod | undefined;
}

export interface RoutingRules {
  nodeId: string;
  maxHops: number;
  defaultTimeoutMs: number;
  /** The dispatcher's shared deadline timer: routed calls expire through it, not a timer each. */
  deadlines: DeadlineSweeper;
}

/** The dispatcher's side of routed calls: the checks, then the router. */
export class RoutedCalls {
  readonly #rules: RoutingRules;
  readonly #routers: Router[] = [];
  /** The routers that may take calls served here (most have none: a served call then costs one check). */
  readonly #offloaders: Router[] = [];

  constructor(rules: RoutingRules) {
    this.#rules = rules;
  }

  get size(): number {
    return this.#routers.length;
  }

  add(router: Router): () => void {
    this.#routers.push(router);
    if (router.offload) this.#offloaders.push(router);
    return () => {
      for (const list of [this.#routers, this.#offloaders]) {
        const index = list.indexOf(router);
        if (index >= 0) list.splice(index, 1);
      }
    };
  }

  /** A router that takes this call although it is served here, if one wants it (see Router.offload). */
  offload(envelope: CallEnvelope, version: number, running: number): { router: Router; method: RoutedMethod } | undefined {
    if (this.#offloaders.length === 0 || envelope.meta.hops > 0) return undefined;
    for (const router of this.#offloaders) {
      const method = router.offload!(envelope, version, running);
      if (method) return { router, method };
    }
    return undefined;
  }

  /** The first router that reaches the method, with what it knows of it. */
  find(service: string, version: number | undefined, method: string): { router: Router; method: RoutedMethod } | undefined {
    for (const router of this.#routers) {
      const found = router.find(service, version, method);
      if (found) return { router, method: found };
    }
    return undefined;
  }

  /** Throws LOOP_DETECTED when the call has been here before or has made too many hops. */
  checkLoop(envelope: CallEnvelope): void {
    const { meta } = envelope;
    if (meta.visited?.includes(this.#rules.nodeId)) {
      throw new AccordError('LOOP_DETECTED', `call to ${where(envelope)} came back to node '${this.#rules.nodeId}' (path: ${meta.visited.join(' → ')}); is there a routing cycle?`);
    }
    if (meta.hops >= this.#rules.maxHops) {
      throw new AccordError('LOOP_DETECTED', `call to ${where(envelope)} would make ${meta.hops + 1} hops, over the limit of ${this.#rules.maxHops}`);
    }
  }

  /** The envelope as it leaves this node: a fixed deadline, one more hop, this node visited. */
  forwarded(envelope: CallEnvelope, kind: RoutedMethod['kind'], expected: RoutedMethod['kind']): CallEnvelope {
    if (kind !== expected) {
      throw new AccordError('INVALID_ARGUMENT', `${envelope.service}.${envelope.method} is a ${kind} method; call it as one`);
    }
    this.checkLoop(envelope);
    const now = Date.now();
    const deadline = envelope.meta.deadline ?? now + this.#rules.defaultTimeoutMs;
    if (deadline <= now) throw new AccordError('DEADLINE_EXCEEDED', 'the deadline passed before the call was routed');
    const visited = envelope.meta.visited ? [...envelope.meta.visited, this.#rules.nodeId] : [this.#rules.nodeId];
    return { ...envelope, meta: { ...envelope.meta, deadline, hops: envelope.meta.hops + 1, visited } };
  }

  /** The routed call's answer; its deadline (fixed by `forwarded`) aborts the scope, so the router stops the remote call too. */
  unary(router: Router, envelope: CallEnvelope, cancel: CallScope | AbortSignal | undefined): Promise<unknown> {
    const scope = scopeOf(cancel);
    const call = new RoutedCall(scope, envelope.meta.deadline!, `${where(envelope)} (routed over ${router.name})`, this.#rules.deadlines);
    return call.settle(router.unary(envelope, scope));
  }

  async *stream(router: Router, envelope: CallEnvelope, cancel: CallScope | AbortSignal | undefined): AsyncGenerator<unknown, void, undefined> {
    const scope = scopeOf(cancel);
    const call = new RoutedCall(scope, envelope.meta.deadline!, `${where(envelope)} (routed over ${router.name})`, this.#rules.deadlines);
    const iterator = router.stream(envelope, scope)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = (await call.step(Promise.resolve(iterator.next()))) as IteratorResult<unknown>;
        if (next.done) return;
        yield next.value;
      }
    } finally {
      call.ended = true;
      void Promise.resolve(iterator.return?.(undefined)).catch(() => undefined);
    }
  }
}

function where(envelope: CallEnvelope): string {
  return `${envelope.service}.${envelope.version === undefined ? '' : `v${envelope.version}.`}${envelope.method}`;
}

function scopeOf(cancel: CallScope | AbortSignal | undefined): CallScope {
  return cancel instanceof CallScope ? cancel : cancel ? CallScope.fromSignal(cancel) : new CallScope();
}
