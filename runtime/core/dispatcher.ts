/**
 * The one place where a call envelope becomes a result, for every transport: look the method up,
 * check hops, deadline and auth, validate input, run guards, execute (inline or in the pool),
 * validate output, and map whatever was thrown to the error model.
 */
import { serviceKey, type MethodContract, type ServiceContract } from '../contract/index.js';
import { ContractChecks } from './contract-checks.js';
import { ServiceTable, type ResolvedMethod } from './service-table.js';
import type { OutgoingCall } from './client-transport.js';
import { authorize, type Authenticate, type Principal } from './auth.js';
import { ActiveCall } from './active-call.js';
import { bounded, isPromiseLike } from './bounded.js';
import { CallScope } from './call-scope.js';
import { DeadlineSweeper } from './deadline-sweeper.js';
import type { ContextData, ContextHooks } from './context.js';
import { nestedMeta } from './context.js';
import { nextCallId, type CallEnvelope, type CallMeta } from './envelope.js';
import { AccordError } from './errors.js';
import { EventBus, validateEvent, type PublishedEvent } from './events.js';
import { InlineExecutor, type Executor } from './executor.js';
import { silentLogger, type Logger } from './logger.js';
import { RoutedCalls, type Router } from './router.js';
import type { BoundService } from './service-binding.js';
import { describeIssues, toIssues } from './validation.js';

/** What guards see; throw an AccordError (e.g. PERMISSION_DENIED) to refuse the call. */
export interface GuardCall {
  service: ServiceContract;
  method: MethodContract;
  methodName: string;
  input: unknown;
  meta: CallMeta;
  auth: Principal | undefined;
}

export type Guard = (call: GuardCall) => void | Promise<void>;

/**
 * Wraps the execution of unary calls (after validation and guards): logging, metrics, caching,
 * retries of your own. Call `next()` to run the handler; return (or transform) its output.
 * Streams pass through guards only: a wrapper around a stream's lifetime is a different shape.
 */
export type Middleware = (call: GuardCall, next: () => Promise<unknown>) => Promise<unknown>;

export interface DispatcherOptions {
  services: BoundService[];
  /** Runs `runs: 'pool'` methods; without it every method runs inline. Receives the hooks its workers call back into. */
  pool?: (hooks: ContextHooks) => Executor;
  /**
   * Runs every method in the pool, whatever its contract says: for deployments that keep all
   * handler code off the I/O thread, and for tests that every handler survives the thread boundary.
   */
  allInPool?: boolean;
  authenticate?: Authenticate;
  guards?: Guard[];
  /** Outermost first. */
  middleware?: Middleware[];
  /** Validate handler output against the contract (default: on unless NODE_ENV=production). */
  validateOutput?: boolean;
  /** Deadline for calls whose caller and method set none (default 30 s). */
  defaultTimeoutMs?: number;
  /** Nested calls deeper than this fail with LOOP_DETECTED (default 16). */
  maxHops?: number;
  logger?: Logger;
  events?: EventBus;
  /**
   * This node's id in a network of Accord servers (mesh, NATS): routed calls list the nodes they
   * passed, and a call that comes back here is a loop. Default: a random id per process.
   */
  nodeId?: string;
}

export type { ResolvedMethod } from './service-table.js';

export class Dispatcher {
  readonly events: EventBus;
  readonly logger: Logger;
  readonly #table: ServiceTable;
  readonly #checks: ContractChecks;
  readonly #inline: InlineExecutor;
  readonly #pool: Executor | undefined;
  readonly #options: DispatcherOptions;
  readonly #defaultTimeoutMs: number;
  readonly #maxHops: number;
  readonly #deadlines = new DeadlineSweeper();
  readonly #routed: RoutedCalls;
  /** This node's id (see DispatcherOptions.nodeId). */
  readonly nodeId: string;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.events = options.events ?? new EventBus();
    this.logger = options.logger ?? silentLogger;
    this.events.onListenerError = (error, event) =>
      this.logger.error({ err: error, event: `${event.service}.v${event.version}.${event.event}` }, 'an event listener failed');
    this.#checks = new ContractChecks(options.validateOutput ?? process.env.NODE_ENV !== 'production', this.logger);
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    this.#maxHops = options.maxHops ?? 16;
    this.nodeId = options.nodeId ?? `node-${Math.random().toString(36).slice(2, 10)}`;
    this.#routed = new RoutedCalls({ nodeId: this.nodeId, maxHops: this.#maxHops, defaultTimeoutMs: this.#defaultTimeoutMs });
    this.#table = new ServiceTable(options.services);
    const hooks = this.contextHooks();
    this.#inline = new InlineExecutor(options.services, hooks);
    this.#pool = options.pool?.(hooks);
  }

  /** The services served, sorted by name and version. */
  get services(): ServiceContract[] {
    return this.#table.services;
  }

  /** Finds a method, or throws UNIMPLEMENTED (unknown service, version or method; NOT_FOUND is left to handlers). */
  resolve(service: string, version: number | undefined, method: string): ResolvedMethod {
    return this.#table.resolve(service, version, method);
  }

  /** A served service version (`version` undefined: the highest), or UNIMPLEMENTED. */
  resolveService(service: string, version: number | undefined): ServiceContract {
    return this.#table.resolveService(service, version);
  }

  /**
   * Sends calls this dispatcher does not serve to `router` (the mesh and NATS add themselves when
   * they start). Routers are asked in the order they were added. Returns the function that removes it.
   */
  addRouter(router: Router): () => void {
    return this.#routed.add(router);
  }

  /** How a method not served here can be reached, if a router knows it (e.g. HTTP gateways asking the kind). */
  findRouted(service: string, version: number | undefined, method: string): { kind: 'unary' | 'stream' } | undefined {
    if (this.#routed.size === 0 || this.#table.lookup(service, version, method)) return undefined;
    return this.#routed.find(service, version, method)?.method;
  }

  /**
   * Runs a unary call. `cancel` is the transport's cancellation: a CallScope (cheap; abort it on
   * disconnect) or an AbortSignal. Resolves with the output or rejects with an AccordError.
   */
  unary(envelope: CallEnvelope, cancel?: CallScope | AbortSignal): Promise<unknown> {
    try {
      return Promise.resolve(this.unaryNow(envelope, cancel));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `unary` for transports on a hot path: the output itself when the call finished in this turn
   * (no async auth, guards, middleware or handler work), else a promise of it. Throws or rejects
   * with an AccordError. Answering in the same turn skips a promise, its two reaction closures and a
   * microtask per call (~0.4 µs per HTTP request, measured).
   */
  unaryNow(envelope: CallEnvelope, cancel?: CallScope | AbortSignal): unknown {
    let begun: ActiveCall | Promise<ActiveCall>;
    try {
      const routed = this.#routeOf(envelope);
      if (routed) {
        const forwarded = this.#routed.forwarded(envelope, routed.method.kind, 'unary');
        return this.#routed.unary(routed.router, forwarded, cancel).catch((error: unknown) => Promise.reject(this.#checks.toAccordError(error, envelope)));
      }
      begun = this.#begin(envelope, cancel, 'unary');
    } catch (error) {
      throw this.#checks.toAccordError(error, envelope);
    }
    if (begun instanceof ActiveCall) return this.#runUnary(begun);
    return begun.then((call) => this.#runUnary(call), (error: unknown) => Promise.reject(this.#checks.toAccordError(error, envelope)));
  }

  #runUnary(call: ActiveCall): unknown {
    let result: unknown;
    try {
      result = this.#options.middleware?.length ? this.#withMiddleware(call) : call.executor.unary(call);
    } catch (error) {
      throw this.#fail(call, error);
    }
    if (!isPromiseLike(result)) return this.#finish(call, result);
    call.watchDeadline();
    return call.settle(result, this.#finishOutput, this.#failCall);
  }

  // Made once per dispatcher, not per call: ActiveCall.settle() takes them as plain functions.
  readonly #finishOutput = (call: ActiveCall, output: unknown): unknown => this.#finish(call, output);
  readonly #failCall = (call: ActiveCall, error: unknown): AccordError => this.#fail(call, error);

  /** Ends a call that produced output: checks it against the contract (which may still fail the call). */
  #finish(call: ActiveCall, output: unknown): unknown {
    try {
      return this.#checks.output(call, output);
    } catch (error) {
      throw this.#fail(call, error);
    } finally {
      call.done();
    }
  }

  #fail(call: ActiveCall, error: unknown): AccordError {
    call.done();
    return this.#checks.toAccordError(error, call);
  }

  /** A server stream. Iterate it to pull items; `return()` (break) stops the handler's generator. */
  async *stream(envelope: CallEnvelope, cancel?: CallScope | AbortSignal): AsyncGenerator<unknown, void, undefined> {
    let prepared: ActiveCall | undefined;
    let iterator: AsyncIterator<unknown> | undefined;
    try {
      const routed = this.#routeOf(envelope);
      if (routed) {
        yield* this.#routed.stream(routed.router, this.#routed.forwarded(envelope, routed.method.kind, 'stream'), cancel);
        return;
      }
      prepared = await this.#begin(envelope, cancel, 'stream');
      prepared.watchDeadline();
      iterator = prepared.executor.stream(prepared)[Symbol.asyncIterator]();
      for (;;) {
        const next = await prepared.guard(iterator.next());
        if (next.done) return;
        yield this.#checks.output(prepared, next.value);
      }
    } catch (error) {
      throw this.#checks.toAccordError(error, prepared ?? envelope);
    } finally {
      prepared?.done();
      // Stop the handler's generator when the consumer stopped early or the call failed.
      void iterator?.return?.(undefined)?.catch(() => undefined);
    }
  }

  /** Validates and publishes an event from outside a handler (e.g. an HTTP webhook, a timer). */
  emit(service: string, version: number, event: string, data: unknown): void {
    const contract = this.resolveService(service, version);
    this.events.publish({ service: contract.name, version: contract.version, event, data: validateEvent(contract, event, data) });
  }

  /**
   * Publishes an event that arrived from a network (`event.origin` names it: 'nats', 'mesh:<peer>').
   * Transports that relay events out skip events of their own origin, so nothing loops back. Events
   * of services served here are validated against the contract like local ones.
   */
  relay(event: PublishedEvent & { origin: string }): void {
    const contract = this.#table.contract(event.service, event.version);
    this.events.publish(contract ? { ...event, data: validateEvent(contract, event.event, event.data) } : event);
  }

  /**
   * Subscribes to one of a served service's events (`version` undefined: the highest served), for
   * transports that deliver events. Throws UNIMPLEMENTED for an unknown service, version or event.
   */
  subscribe(service: string, version: number | undefined, event: string, listener: (data: unknown) => void): { service: ServiceContract; unsubscribe: () => void } {
    const contract = this.resolveService(service, version);
    if (!Object.prototype.hasOwnProperty.call(contract.events, event)) {
      throw new AccordError('UNIMPLEMENTED', `service '${serviceKey(contract)}' has no event '${event}'`);
    }
    return { service: contract, unsubscribe: this.events.subscribe(contract.name, contract.version, event, listener) };
  }

  async close(): Promise<void> {
    await this.#pool?.close?.();
  }

  /** Hooks through which handler contexts (inline or in workers) emit events and make nested calls. */
  contextHooks(): ContextHooks {
    return {
      logger: this.logger,
      emit: (data, event, payload) => this.emit(data.service, data.version, event, payload),
      unary: (call, parent) => this.unary(this.#nestedEnvelope(call, parent), call.signal),
      stream: (call, parent) => this.stream(this.#nestedEnvelope(call, parent), call.signal),
      replaceHandlers: (services) => this.replaceHandlers(services),
    };
  }

  /**
   * Hot reload of inline handlers: swaps the handlers of services already served (matched by name
   * and version; contracts do not change). Calls already running finish on the old functions.
   */
  replaceHandlers(services: BoundService[]): number {
    return this.#inline.replace(services);
  }

  #nestedEnvelope(call: OutgoingCall, parent: ContextData): CallEnvelope {
    return { id: nextCallId(), service: call.service, version: call.version, method: call.method, input: call.input, meta: nestedMeta(parent, call) };
  }

  /** A router for a call no local service answers (undefined: serve it here, or fail as usual). */
  #routeOf(envelope: CallEnvelope): ReturnType<RoutedCalls['find']> {
    if (this.#routed.size === 0 || this.#table.lookup(envelope.service, envelope.version, envelope.method)) return undefined;
    return this.#routed.find(envelope.service, envelope.version, envelope.method);
  }

  /**
   * Everything before the handler runs: lookup, hop limit, deadline, auth, input validation, guards.
   * Returns the call at once when nothing in it is asynchronous (no credentials to check, no guards).
   * The steps are methods taking their state as arguments, not arrow functions made per call: under
   * tsx (keepNames) every named arrow is wrapped in `__name`, an Object.defineProperty measured at
   * ~0.28 µs each, and the two made per call here were most of the 0.73 → 0.89 move of `bench http`.
   */
  #begin(envelope: CallEnvelope, cancel: CallScope | AbortSignal | undefined, kind: 'unary' | 'stream'): ActiveCall | Promise<ActiveCall> {
    const target = this.resolve(envelope.service, envelope.version, envelope.method);
    const { service, method, name } = target;
    if (method.kind !== kind) {
      throw new AccordError('INVALID_ARGUMENT', `${serviceKey(service)}.${name} is a ${method.kind} method; call it as one`);
    }
    const { meta } = envelope;
    if (meta.hops > this.#maxHops) {
      throw new AccordError('LOOP_DETECTED', `call to ${serviceKey(service)}.${name} made ${meta.hops} hops, over the limit of ${this.#maxHops}; is there a call cycle?`);
    }
    if (meta.visited !== undefined && meta.visited.includes(this.nodeId)) this.#routed.checkLoop(envelope);
    const now = Date.now();
    const deadline = Math.min(meta.deadline ?? Infinity, now + (method.timeoutMs ?? this.#defaultTimeoutMs));
    if (deadline <= now) throw new AccordError('DEADLINE_EXCEEDED', 'the deadline passed before the call started');

    const authenticate = this.#options.authenticate;
    // An open method on a server without an authenticate hook has no one to identify: skip the lookup.
    const auth = method.auth === undefined && authenticate === undefined
      ? undefined
      : authorize(method.auth, meta.headers, service.securitySchemes, authenticate, { service: service.name, version: service.version, method: name });
    if (isPromiseLike(auth)) {
      return bounded(Promise.resolve(auth), cancel, deadline, 'authentication').then((principal) => this.#admit(target, envelope, cancel, deadline, principal));
    }
    return this.#admit(target, envelope, cancel, deadline, auth);
  }

  /** Input validation and guards, then the call itself. */
  #admit(target: ResolvedMethod, envelope: CallEnvelope, cancel: CallScope | AbortSignal | undefined, deadline: number, principal: Principal | undefined): ActiveCall | Promise<ActiveCall> {
    const parsed = target.method.input.safeParse(envelope.input);
    if (!parsed.success) {
      const issues = toIssues(parsed.error);
      throw new AccordError('INVALID_ARGUMENT', `invalid input for ${serviceKey(target.service)}.${target.name}: ${describeIssues(issues)}`, { issues });
    }
    const guards = this.#options.guards;
    if (guards?.length) return bounded(this.#guard(guards, target, envelope, cancel, deadline, principal, parsed.data), cancel, deadline, 'the guards');
    return this.#open(target, envelope, cancel, deadline, principal, parsed.data);
  }

  async #guard(guards: Guard[], target: ResolvedMethod, envelope: CallEnvelope, cancel: CallScope | AbortSignal | undefined, deadline: number, principal: Principal | undefined, input: unknown): Promise<ActiveCall> {
    const { service, method, name } = target;
    for (const guard of guards) await guard({ service, method, methodName: name, input, meta: envelope.meta, auth: principal });
    return this.#open(target, envelope, cancel, deadline, principal, input);
  }

  #open(target: ResolvedMethod, envelope: CallEnvelope, cancel: CallScope | AbortSignal | undefined, deadline: number, principal: Principal | undefined, input: unknown): ActiveCall {
    const { service, method, name } = target;
    // One scope per call: the transport's own when it passed one, so its abort reaches the handler directly.
    const scope = cancel instanceof CallScope ? cancel : cancel ? CallScope.fromSignal(cancel) : new CallScope();
    if (scope.aborted) throw new AccordError('CANCELLED', 'the caller cancelled the call');
    const executor = (method.runs === 'pool' || this.#options.allInPool) && this.#pool ? this.#pool : this.#inline;
    const context: ContextData = {
      callId: envelope.id, service: service.name, version: service.version, method: name,
      deadline: Number.isFinite(deadline) ? deadline : undefined, meta: envelope.meta, auth: principal,
    };
    return new ActiveCall(service, name, method, input, context, scope, executor, deadline, this.#deadlines);
  }

  #withMiddleware(call: ActiveCall): Promise<unknown> {
    const info: GuardCall = { service: call.service, method: call.method, methodName: call.name, input: call.input, meta: call.context.meta, auth: call.context.auth };
    return this.#middlewareFrom(0, info, call);
  }

  /** Runs middleware `index` onwards (a method, not a named closure per call: see #begin). */
  #middlewareFrom(index: number, info: GuardCall, call: ActiveCall): Promise<unknown> {
    const chain = this.#options.middleware!;
    if (index >= chain.length) return Promise.resolve(call.executor.unary(call));
    return chain[index](info, () => this.#middlewareFrom(index + 1, info, call));
  }
}
