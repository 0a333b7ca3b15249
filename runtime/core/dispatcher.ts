/**
 * The one place where a call envelope becomes a result, for every transport: look the method up,
 * check hops, deadline and auth, validate input, run guards, execute (inline or in the pool),
 * validate output, and map whatever was thrown to the error model.
 */
import { serviceKey, type ServiceContract } from '../contract/index.js';
import { ContractChecks } from './contract-checks.js';
import { ServiceTable, type ResolvedMethod } from './service-table.js';
import type { OutgoingCall } from './client-transport.js';
import type { Principal } from './auth.js';
import { ActiveCall } from './active-call.js';
import { isPromiseLike } from './bounded.js';
import { CallAdmission } from './call-admission.js';
import type { CallScope } from './call-scope.js';
import { CallLoggers } from './call-loggers.js';
import { monotonicNow, type CallTelemetry } from './call-telemetry.js';
import type { ContextData, ContextHooks } from './context.js';
import { nestedMeta } from './context.js';
import type { DispatcherOptions } from './dispatcher-options.js';
import { META_HEADERS, nextCallId, type CallEnvelope } from './envelope.js';
import { AccordError } from './errors.js';
import { authorizeEvent } from './event-auth.js';
import { EventBus, validateEvent, type PublishedEvent } from './events.js';
import { InlineExecutor, type Executor } from './executor.js';
import { IdempotencyStore, type IdempotencyConfig } from './idempotency.js';
import { KeyedCalls } from './keyed-calls.js';
import { runThroughMiddleware } from './middleware-chain.js';
import { silentLogger, type Logger } from './logger.js';
import { DeadlineSweeper } from './deadline-sweeper.js';
import { RoutedCalls, type Router } from './router.js';
import { RunningCalls } from './running-calls.js';
import { observedRoutedStream, observedRoutedUnary } from './observed-routing.js';
import type { BoundService } from './service-binding.js';

export type { DispatcherOptions, Guard, GuardCall, Middleware } from './dispatcher-options.js';
export type { ResolvedMethod } from './service-table.js';

export class Dispatcher {
  readonly events: EventBus;
  readonly logger: Logger;
  /** Metrics and traces of every call, when the dispatcher was given them. */
  readonly telemetry: CallTelemetry | undefined;
  readonly #table: ServiceTable;
  readonly #checks: ContractChecks;
  readonly #inline: InlineExecutor;
  readonly #pool: Executor | undefined;
  readonly #options: DispatcherOptions;
  readonly #routed: RoutedCalls;
  readonly #running = new RunningCalls();
  readonly #admission: CallAdmission;
  readonly #loggers: CallLoggers;
  /** Unary calls with an idempotency key; undefined when turned off. */
  readonly #keyed: KeyedCalls | undefined;
  /** This node's id (see DispatcherOptions.nodeId). */
  readonly nodeId: string;

  constructor(options: DispatcherOptions & IdempotencyConfig) {
    this.#options = options;
    this.events = options.events ?? new EventBus();
    this.logger = options.logger ?? silentLogger;
    this.#loggers = new CallLoggers(this.logger);
    this.telemetry = options.telemetry;
    this.events.onListenerError = (error, event) =>
      this.logger.error({ err: error, event: `${event.service}.v${event.version}.${event.event}` }, 'an event listener failed');
    this.#checks = new ContractChecks(options.validateOutput ?? process.env.NODE_ENV !== 'production', this.logger);
    this.nodeId = options.nodeId ?? `node-${Math.random().toString(36).slice(2, 10)}`;
    const rules = { nodeId: this.nodeId, maxHops: options.maxHops ?? 16, defaultTimeoutMs: options.defaultTimeoutMs ?? 30_000, deadlines: new DeadlineSweeper(), running: this.#running };
    this.#routed = new RoutedCalls(rules);
    this.#table = new ServiceTable(options.services);
    this.#admission = new CallAdmission(this.#table, this.#routed, options, rules);
    this.telemetry?.attach(this.#table.services);
    const hooks = this.contextHooks();
    this.#inline = new InlineExecutor(options.services, hooks);
    this.#pool = options.pool?.(hooks);
    this.#admission.executors = { inline: this.#inline, pool: this.#pool };
    this.#keyed = options.idempotency === false ? undefined : new KeyedCalls(new IdempotencyStore(options.idempotency), {
      admit: (envelope, scope, startedAt) => this.#admission.begin(envelope, scope, 'unary', startedAt),
      run: (call) => this.#runUnary(call),
      refuse: (envelope, error, startedAt) => this.#refuse(envelope, error, startedAt),
      close: (call, error) => {
        call.done();
        this.telemetry?.close(call, error);
      },
    });
  }

  /** What this node remembers of calls with an idempotency key (undefined when turned off). */
  get idempotency(): IdempotencyStore | undefined {
    return this.#keyed?.store;
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
    const startedAt = this.telemetry === undefined ? 0 : monotonicNow();
    let begun: ActiveCall | Promise<ActiveCall>;
    try {
      const routed = this.#routeOf(envelope);
      if (routed) {
        const forwarded = this.#routed.forwarded(envelope, routed.method.kind, 'unary');
        if (this.telemetry !== undefined) return observedRoutedUnary(this.#routed, routed.router, envelope, forwarded, cancel, this.telemetry, this.#checks, startedAt);
        return this.#routed.unary(routed.router, forwarded, cancel).catch((error: unknown) => Promise.reject(this.#checks.routedError(error, envelope)));
      }
      // At most once per idempotency key (keyed-calls.ts); a call without one pays this lookup only.
      const key = this.#keyed === undefined ? undefined : envelope.meta.headers[META_HEADERS.idempotencyKey];
      if (key !== undefined) return this.#keyed!.unary(envelope, key, cancel, startedAt);
      begun = this.#admission.begin(envelope, cancel, 'unary', startedAt);
    } catch (error) {
      throw this.#refuse(envelope, error, startedAt);
    }
    if (begun instanceof ActiveCall) return this.#runUnary(begun);
    return begun.then((call) => this.#runUnary(call), (error: unknown) => Promise.reject(this.#refuse(envelope, error, startedAt)));
  }

  /** A call that failed before its handler ran: mapped to the error model, and counted. */
  #refuse(envelope: CallEnvelope, error: unknown, startedAt: number): AccordError {
    const accord = this.#checks.toAccordError(error, envelope);
    this.telemetry?.refused(envelope, this.#table.lookup(envelope.service, envelope.version, envelope.method), accord, startedAt);
    return accord;
  }

  #runUnary(call: ActiveCall): unknown {
    let result: unknown;
    try {
      const execute = this.telemetry?.execute;
      result = execute === undefined ? this.#invoke(call) : execute(call, this.#invokeCall);
    } catch (error) {
      throw this.#fail(call, error);
    }
    if (!isPromiseLike(result)) return this.#finish(call, result);
    call.watchDeadline();
    return call.settle(result, this.#finishOutput, this.#failCall);
  }

  /** The handler, through the middleware when there is any. */
  #invoke(call: ActiveCall): unknown {
    const middleware = this.#options.middleware;
    return middleware?.length ? runThroughMiddleware(middleware, call) : call.executor.unary(call);
  }

  // Made once per dispatcher, not per call: ActiveCall.settle() and telemetry take them as plain functions.
  readonly #invokeCall = (call: ActiveCall): unknown => this.#invoke(call);
  readonly #finishOutput = (call: ActiveCall, output: unknown): unknown => this.#finish(call, output);
  readonly #failCall = (call: ActiveCall, error: unknown): AccordError => this.#fail(call, error);

  /** Ends a call that produced output: checks it against the contract (which may still fail the call). */
  #finish(call: ActiveCall, output: unknown): unknown {
    let checked: unknown;
    try {
      checked = this.#checks.output(call, output);
    } catch (error) {
      throw this.#fail(call, error);
    }
    call.done();
    this.telemetry?.close(call, undefined);
    return checked;
  }

  #fail(call: ActiveCall, error: unknown): AccordError {
    call.done();
    const accord = this.#checks.toAccordError(error, call);
    this.telemetry?.close(call, accord);
    return accord;
  }

  /** A server stream. Iterate it to pull items; `return()` (break) stops the handler's generator. */
  async *stream(envelope: CallEnvelope, cancel?: CallScope | AbortSignal): AsyncGenerator<unknown, void, undefined> {
    const telemetry = this.telemetry;
    const startedAt = telemetry === undefined ? 0 : monotonicNow();
    let prepared: ActiveCall | undefined;
    let iterator: AsyncIterator<unknown> | undefined;
    let failure: AccordError | undefined;
    let completed = false;
    let viaRouter = false;
    try {
      const routed = this.#routeOf(envelope);
      if (routed) {
        const forwarded = this.#routed.forwarded(envelope, routed.method.kind, 'stream');
        viaRouter = true; // counted by observedRoutedStream
        yield* telemetry === undefined
          ? this.#routed.stream(routed.router, forwarded, cancel)
          : observedRoutedStream(this.#routed, routed.router, envelope, forwarded, cancel, telemetry, this.#checks, startedAt);
        return;
      }
      prepared = await this.#admission.begin(envelope, cancel, 'stream', startedAt);
      prepared.watchDeadline();
      iterator = prepared.executor.stream(prepared)[Symbol.asyncIterator]();
      for (;;) {
        const next = await prepared.guard(iterator.next());
        if (next.done) {
          completed = true;
          return;
        }
        yield this.#checks.output(prepared, next.value);
      }
    } catch (error) {
      failure = viaRouter ? this.#checks.routedError(error, envelope) : this.#checks.toAccordError(error, prepared ?? envelope);
      if (!prepared && !viaRouter && telemetry !== undefined) telemetry.refused(envelope, this.#table.lookup(envelope.service, envelope.version, envelope.method), failure, startedAt);
      throw failure;
    } finally {
      if (prepared) {
        prepared.done();
        // A consumer that stopped before the end (break, disconnect) cancelled the stream.
        telemetry?.close(prepared, failure ?? (completed ? undefined : STREAM_CANCELLED));
      }
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
    if (!Object.hasOwn(contract.events, event)) {
      throw new AccordError('UNIMPLEMENTED', `service '${serviceKey(contract)}' has no event '${event}'`);
    }
    return { service: contract, unsubscribe: this.events.subscribe(contract.name, contract.version, event, listener) };
  }

  /**
   * May a caller that presented `headers` subscribe to this event? The event's auth requirement,
   * when its contract declares one, is checked like a method's (UNAUTHENTICATED, PERMISSION_DENIED),
   * and the caller is identified with the server's authenticate hook. Answers at once unless that
   * hook is async; throws (or rejects) UNIMPLEMENTED for an unknown service, version or event.
   */
  eventAccess(headers: Record<string, string>, service: string, version: number | undefined, event: string): Principal | undefined | Promise<Principal | undefined> {
    return authorizeEvent(this.resolveService(service, version), event, headers, this.#options.authenticate);
  }

  /** `subscribe` after `eventAccess`: resolves once subscribed. */
  async subscribeAs(headers: Record<string, string>, service: string, version: number | undefined, event: string, listener: (data: unknown) => void): Promise<{ service: ServiceContract; unsubscribe: () => void; auth: Principal | undefined }> {
    const auth = await this.eventAccess(headers, service, version, event);
    return { ...this.subscribe(service, version, event, listener), auth };
  }

  async close(): Promise<void> {
    await this.#pool?.close?.();
  }

  /** Hooks through which handler contexts (inline or in workers) emit events, log and make nested calls. */
  contextHooks(): ContextHooks {
    const outgoing = this.telemetry?.outgoing;
    return {
      logger: this.logger,
      loggerFor: (data) => this.#loggers.forCall(data),
      outgoing,
      emit: (data, event, payload) => this.emit(data.service, data.version, event, payload),
      unary: outgoing === undefined
        ? (call, parent) => this.unary(this.#nestedEnvelope(call, parent, parent.meta.traceparent), call.signal)
        : (call, parent) => outgoing.unary(call, parent.meta.traceparent, (traced) => this.unary(this.#nestedEnvelope(traced, parent, traced.traceparent), traced.signal)),
      stream: outgoing === undefined
        ? (call, parent) => this.stream(this.#nestedEnvelope(call, parent, parent.meta.traceparent), call.signal)
        : (call, parent) => outgoing.stream(call, parent.meta.traceparent, (traced) => this.stream(this.#nestedEnvelope(traced, parent, traced.traceparent), traced.signal)),
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

  #nestedEnvelope(call: OutgoingCall, parent: ContextData, traceparent: string | undefined): CallEnvelope {
    return { id: nextCallId(), service: call.service, version: call.version, method: call.method, input: call.input, meta: nestedMeta(parent, call, traceparent), transport: 'internal' };
  }

  /** A router for a call no local service answers (undefined: serve it here, or fail as usual). */
  #routeOf(envelope: CallEnvelope): ReturnType<RoutedCalls['find']> {
    if (this.#routed.size === 0) return undefined;
    const served = this.#table.lookup(envelope.service, envelope.version, envelope.method);
    if (served) return this.#routed.offload(envelope, served.service.version, this.#running.count);
    return this.#routed.find(envelope.service, envelope.version, envelope.method);
  }
}

/** How a stream the consumer stopped reading (a break, a disconnect) ends in metrics and traces. */
const STREAM_CANCELLED = new AccordError('CANCELLED', 'the consumer stopped reading the stream');
