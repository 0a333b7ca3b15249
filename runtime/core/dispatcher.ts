/**
 * The one place where a call envelope becomes a result, for every transport: look the method up,
 * check hops, deadline and auth, validate input, run guards, execute (inline or in the pool),
 * validate output, and map whatever was thrown to the error model.
 */
import type { z } from 'zod';
import { serviceKey, type MethodContract, type ServiceContract } from '../contract/index.js';
import type { OutgoingCall } from '../client/transport.js';
import { authorize, type Authenticate, type Principal } from './auth.js';
import { ActiveCall } from './active-call.js';
import { CallScope } from './call-scope.js';
import { DeadlineSweeper } from './deadline-sweeper.js';
import type { ContextData, ContextHooks } from './context.js';
import { nestedMeta } from './context.js';
import { nextCallId, type CallEnvelope, type CallMeta } from './envelope.js';
import { AccordError, isFrameworkCode } from './errors.js';
import { EventBus, validateEvent } from './events.js';
import { InlineExecutor, type Executor } from './executor.js';
import { silentLogger, type Logger } from './logger.js';
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
}

/** Built once per method when the dispatcher starts and shared by every lookup: read-only. */
export interface ResolvedMethod {
  readonly service: ServiceContract;
  readonly name: string;
  readonly method: MethodContract;
}

export class Dispatcher {
  readonly events: EventBus;
  readonly logger: Logger;
  readonly #services = new Map<string, Map<number, ServiceContract>>();
  /** Every method, resolved once: a lookup allocates nothing per call. */
  readonly #methods = new Map<ServiceContract, Map<string, ResolvedMethod>>();
  readonly #inline: InlineExecutor;
  readonly #pool: Executor | undefined;
  readonly #options: DispatcherOptions;
  readonly #validateOutput: boolean;
  readonly #defaultTimeoutMs: number;
  readonly #maxHops: number;
  readonly #deadlines = new DeadlineSweeper();

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.events = options.events ?? new EventBus();
    this.logger = options.logger ?? silentLogger;
    this.events.onListenerError = (error, event) =>
      this.logger.error({ err: error, event: `${event.service}.v${event.version}.${event.event}` }, 'an event listener failed');
    this.#validateOutput = options.validateOutput ?? process.env.NODE_ENV !== 'production';
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    this.#maxHops = options.maxHops ?? 16;
    for (const bound of options.services) {
      const { name, version } = bound.contract;
      let versions = this.#services.get(name);
      if (!versions) this.#services.set(name, (versions = new Map()));
      if (versions.has(version)) throw new Error(`service ${serviceKey(bound.contract)} is registered twice`);
      versions.set(version, bound.contract);
      const methods = new Map<string, ResolvedMethod>();
      for (const [methodName, method] of Object.entries(bound.contract.methods)) methods.set(methodName, { service: bound.contract, name: methodName, method });
      this.#methods.set(bound.contract, methods);
    }
    const hooks = this.contextHooks();
    this.#inline = new InlineExecutor(options.services, hooks);
    this.#pool = options.pool?.(hooks);
  }

  /** The services served, sorted by name and version. */
  get services(): ServiceContract[] {
    return [...this.#services.values()].flatMap((v) => [...v.values()]).sort((a, b) =>
      a.name === b.name ? a.version - b.version : a.name < b.name ? -1 : 1);
  }

  /** Finds a method, or throws UNIMPLEMENTED (unknown service, version or method; NOT_FOUND is left to handlers). */
  resolve(service: string, version: number | undefined, method: string): ResolvedMethod {
    const contract = this.resolveService(service, version);
    const found = this.#methods.get(contract)!.get(method);
    if (!found) throw new AccordError('UNIMPLEMENTED', `service '${serviceKey(contract)}' has no method '${method}'`);
    return found;
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
      begun = this.#begin(envelope, cancel, 'unary');
    } catch (error) {
      throw this.#toAccordError(error, envelope);
    }
    if (begun instanceof ActiveCall) return this.#runUnary(begun);
    return begun.then((call) => this.#runUnary(call), (error: unknown) => Promise.reject(this.#toAccordError(error, envelope)));
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
      return this.#checkOutput(call, output);
    } catch (error) {
      throw this.#fail(call, error);
    } finally {
      call.done();
    }
  }

  #fail(call: ActiveCall, error: unknown): AccordError {
    call.done();
    return this.#toAccordError(error, call);
  }

  /** A server stream. Iterate it to pull items; `return()` (break) stops the handler's generator. */
  async *stream(envelope: CallEnvelope, cancel?: CallScope | AbortSignal): AsyncGenerator<unknown, void, undefined> {
    let prepared: ActiveCall | undefined;
    let iterator: AsyncIterator<unknown> | undefined;
    try {
      prepared = await this.#begin(envelope, cancel, 'stream');
      prepared.watchDeadline();
      iterator = prepared.executor.stream(prepared)[Symbol.asyncIterator]();
      for (;;) {
        const next = await prepared.guard(iterator.next());
        if (next.done) return;
        yield this.#checkOutput(prepared, next.value);
      }
    } catch (error) {
      throw this.#toAccordError(error, prepared ?? envelope);
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

  /** A served service version (`version` undefined: the highest), or UNIMPLEMENTED. */
  resolveService(service: string, version: number | undefined): ServiceContract {
    const versions = this.#services.get(service);
    if (!versions) throw new AccordError('UNIMPLEMENTED', `no service '${service}'`);
    const contract = version === undefined ? versions.get(Math.max(...versions.keys())) : versions.get(version);
    if (!contract) throw new AccordError('UNIMPLEMENTED', `service '${service}' has no version ${version}; served: ${[...versions.keys()].map((v) => `v${v}`).join(', ')}`);
    return contract;
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
    const executor = method.runs === 'pool' && this.#pool ? this.#pool : this.#inline;
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

  #checkOutput(prepared: ActiveCall, output: unknown): unknown {
    if (!this.#validateOutput) return output;
    const parsed = (prepared.method.output as z.ZodType).safeParse(output);
    if (parsed.success) return parsed.data;
    const issues = toIssues(parsed.error);
    this.logger.error({ service: serviceKey(prepared.service), method: prepared.name, issues }, 'handler output does not match the contract');
    throw new AccordError('INTERNAL', 'the handler returned output that does not match the contract');
  }

  /** Declared and framework errors pass through; anything else becomes INTERNAL and is logged, not leaked. */
  #toAccordError(error: unknown, call: ActiveCall | CallEnvelope): AccordError {
    const declared = call instanceof ActiveCall ? call.method.errors : undefined;
    if (error instanceof AccordError) {
      const spec = declared && Object.prototype.hasOwnProperty.call(declared, error.code) ? declared[error.code] : undefined;
      if (spec) {
        // A declared error's data is part of the contract, checked like output.
        if (this.#validateOutput && spec.data && !spec.data.safeParse(error.data).success) {
          this.logger.error({ err: error, code: error.code }, 'handler threw a declared error whose data does not match the contract');
          return new AccordError('INTERNAL', 'internal error');
        }
        return error;
      }
      if (isFrameworkCode(error.code)) return error;
      this.logger.error({ err: error, code: error.code }, 'handler threw an error code its contract does not declare');
      return new AccordError('INTERNAL', 'internal error');
    }
    const where = call instanceof ActiveCall ? `${serviceKey(call.service)}.${call.name}` : `${call.service}.${call.method}`;
    this.logger.error({ err: error, call: where }, 'handler failed');
    return new AccordError('INTERNAL', 'internal error');
  }
}


export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

/**
 * Async auth hooks and guards obey the call's deadline and cancellation too (before the call has
 * a scope of its own): a hook that never answers must not hold the call, or its transport slot.
 */
function bounded<T>(work: Promise<T>, cancel: CallScope | AbortSignal | undefined, deadline: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancelled = () => reject(new AccordError('CANCELLED', 'the caller cancelled the call'));
    const timer = setTimeout(() => reject(new AccordError('DEADLINE_EXCEEDED', `${what} did not finish before the deadline`)), Math.max(0, deadline - Date.now()));
    let stopWatching: () => void;
    if (cancel instanceof CallScope) stopWatching = cancel.onAbort(cancelled);
    else if (cancel) {
      cancel.addEventListener('abort', cancelled, { once: true });
      stopWatching = () => cancel.removeEventListener('abort', cancelled);
    } else stopWatching = () => undefined;
    const settle = () => {
      clearTimeout(timer);
      stopWatching();
    };
    work.then((value) => { settle(); resolve(value); }, (error: unknown) => { settle(); reject(error); });
  });
}
