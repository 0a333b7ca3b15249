/**
 * The worker pool. Workers are plain node:worker_threads Workers that this file starts, watches and
 * replaces (tinypool's lifecycle does not serve here: see docs/pool.md). Calls go to the least
 * loaded worker of the current generation, many in flight per worker, batched per event-loop turn
 * in both directions (outbox.ts). Past `concurrency` per worker calls wait in a bounded queue.
 *
 * Failure model: a handler error fails its call; a worker that dies fails the calls it held with
 * UNAVAILABLE and is replaced; a handler that ignores its abort for `abortGraceMs` gets its worker
 * terminated (same thing). A reload starts a new generation of workers, switches new calls to it
 * once all of them have loaded the modules, and lets the old ones finish their calls and exit.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { backoffDelay } from '../core/backoff.js';
import { CallScope } from '../core/call-scope.js';
import type { ContextData, ContextHooks } from '../core/context.js';
import { AccordError } from '../core/errors.js';
import type { Execution, Executor } from '../core/executor.js';
import type { BoundService } from '../core/service-binding.js';
import { createLogger, type Logger } from '../core/logger.js';
import type { PoolExecutor, PoolHandle, PoolOptions, PoolStats, ScheduleOptions, ScheduledRun } from './handle.js';
import {
  deserializeError, KIND, serializeError, TO_POOL, TO_POOL_ARITY, TO_WORKER,
  type HookCall, type LogLevel, type ParentContext, type SerializedError, type ServiceInfo, type TaskInfo,
} from './protocol.js';
import { importFresh, moduleUrl, watchSources } from './reload.js';
import { TaskScheduler } from './scheduler.js';
import { spawnWorker } from './spawn.js';
import { CallQueue } from './call-queue.js';
import { cancelServed, serveStream, serveUnary } from './serve-hooks.js';
import { Generation, PoolCall, Slot, type SlotState } from './slot.js';
import { StreamInbox } from '../core/stream-inbox.js';
import { clearTaskScheduler, setTaskScheduler } from './tasks.js';
import { transfersOf } from './transfer.js';

const DEFAULTS = {
  maxQueue: 10_000,
  abortGraceMs: 5_000,
  concurrency: 64,
  streamWindow: 16,
  startTimeoutMs: 30_000,
  taskTimeoutMs: 60_000,
  watchDebounceMs: 150,
};

const fallbackLogger = createLogger('warn', { component: 'accord-pool' });

export class WorkerPool implements PoolHandle {
  readonly #options: PoolOptions;
  readonly #modules: string[];
  readonly #threads: number;
  readonly #maxQueue: number;
  readonly #abortGraceMs: number;
  readonly #concurrency: number;
  readonly #streamWindow: number;
  readonly #startTimeoutMs: number;
  readonly #taskTimeoutMs: number;
  readonly #scheduler: TaskScheduler;
  readonly #allHooks = new Set<ContextHooks>();
  #hooks: ContextHooks | undefined;
  #current: Generation;
  #generationSequence = 0;
  #callSequence = 0;
  #reloadAttempts = 0;
  readonly #queue = new CallQueue();
  #replaced = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #unwatch: (() => void) | undefined;
  readonly #scheduleTask = (name: string, payload: unknown, options?: ScheduleOptions) => this.schedule(name, payload, options);

  constructor(options: PoolOptions) {
    if (!options.modules?.length) throw new Error('createPool: `modules` lists no handler modules');
    this.#options = options;
    this.#modules = options.modules.map(moduleUrl);
    this.#threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    this.#maxQueue = options.maxQueue ?? DEFAULTS.maxQueue;
    this.#abortGraceMs = options.abortGraceMs ?? DEFAULTS.abortGraceMs;
    this.#concurrency = Math.max(1, options.concurrency ?? DEFAULTS.concurrency);
    this.#streamWindow = Math.max(1, options.streamWindow ?? DEFAULTS.streamWindow);
    this.#startTimeoutMs = options.startTimeoutMs ?? DEFAULTS.startTimeoutMs;
    this.#taskTimeoutMs = options.taskTimeoutMs ?? DEFAULTS.taskTimeoutMs;
    this.#scheduler = new TaskScheduler((name, payload, runId) => this.#runTask(name, payload, runId), () => this.#logger);
    this.#current = this.#startGeneration();
    this.#current.started.then(() => this.#scheduler.setCronTasks(this.#current.tasks), () => undefined);
    setTaskScheduler(this.#scheduleTask);
    if (options.watch) {
      const watch = options.watch === true ? {} : options.watch;
      this.#unwatch = watchSources(this.#modules, watch.paths ?? [], watch.debounceMs ?? DEFAULTS.watchDebounceMs, () => {
        this.reload().then(
          () => this.#logger.info({ generation: this.#current.id }, 'pool: handler modules reloaded'),
          (error) => this.#logger.error({ err: error }, 'pool: reload after a file change failed; still serving the previous code'),
        );
      });
    }
  }

  // ---- PoolHandle ----------------------------------------------------------------------------------

  /** An arrow property, so `pool: handle.executor` works unbound. */
  readonly executor = (hooks: ContextHooks): PoolExecutor => {
    this.#hooks = hooks;
    this.#allHooks.add(hooks);
    return {
      unary: (execution) => this.#unary(execution, hooks),
      stream: (execution) => this.#stream(execution, hooks),
      close: () => this.close(),
    };
  };

  ready(): Promise<void> {
    return this.#current.started;
  }

  reload(): Promise<void> {
    const run = this.#reloading.then(() => this.#reload());
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  schedule(task: string, payload?: unknown, options: ScheduleOptions = {}): ScheduledRun {
    if (this.#closed) throw new Error(`cannot schedule task '${task}': the pool is closed`);
    const gen = this.#current;
    if (gen.isStarted && !gen.tasks.some((t) => t.name === task)) {
      throw new Error(`no task named '${task}' in the pool's modules (declared: ${gen.tasks.map((t) => t.name).join(', ') || 'none'})`);
    }
    return this.#scheduler.delay(task, payload, options.delayMs ?? 0);
  }

  stats(): PoolStats {
    const workers: PoolStats['workers'] = [];
    this.#oldGenerations = this.#oldGenerations.filter((g) => g.slots.size > 0);
    for (const gen of [this.#current, ...this.#oldGenerations]) {
      for (const slot of gen.slots) {
        workers.push({ threadId: slot.threadId, generation: gen.id, state: slot.state as Exclude<SlotState, 'gone'>, inFlight: slot.calls.size });
      }
    }
    return {
      generation: this.#current.id,
      workers,
      queued: this.#queue.size,
      inFlight: workers.reduce((n, w) => n + w.inFlight, 0),
      replaced: this.#replaced,
    };
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  // ---- calls ---------------------------------------------------------------------------------------

  #unary(execution: Execution, hooks: ContextHooks): Promise<unknown> {
    const call = new PoolCall(++this.#callSequence, 'unary', execution.context.method, execution.input, execution.context, hooks);
    return new Promise((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
      this.#submit(call, execution.scope);
    });
  }

  #stream(execution: Execution, hooks: ContextHooks): AsyncIterable<unknown> {
    return {
      [Symbol.asyncIterator]: () => {
        const call = new PoolCall(++this.#callSequence, 'stream', execution.context.method, execution.input, execution.context, hooks);
        call.inbox = new StreamInbox(
          this.#streamWindow,
          (n) => { if (call.slot) call.slot.outbox.open().push(TO_WORKER.CREDIT, call.id, n); },
          () => this.#abort(call, new AccordError('CANCELLED', 'the consumer stopped reading the stream')),
        );
        this.#submit(call, execution.scope);
        return call.inbox;
      },
    };
  }

  #submit(call: PoolCall, scope: CallScope | undefined): void {
    if (this.#closed) return this.#settleError(call, new AccordError('UNAVAILABLE', 'the worker pool is closed'));
    const failed = this.#current.failed;
    if (failed) return this.#settleError(call, new AccordError('UNAVAILABLE', `the pool's handler modules failed to load: ${failed.message}`));
    if (scope) {
      if (scope.aborted) return this.#settleError(call, scope.reason);
      call.removeAbort = scope.onAbort((reason) => this.#abort(call, reason));
    }
    // First come, first served: while calls wait, a new one waits behind them.
    const slot = this.#queue.size === 0 ? this.#pick() : undefined;
    if (slot) return this.#start(call, slot);
    if (this.#queue.size >= this.#maxQueue) {
      return this.#settleError(call, new AccordError('RESOURCE_EXHAUSTED', `the worker pool's queue is full (${this.#maxQueue} calls waiting); try again later`));
    }
    this.#queue.push(call);
  }

  /**
   * The least loaded ready worker of the current generation with room. A worker holding a call it
   * was told to abort gets nothing new until it confirms: if it is stuck it will be terminated
   * within abortGraceMs, and calls given to it meanwhile would die with it.
   */
  #pick(): Slot | undefined {
    let best: Slot | undefined;
    let bestLoad = this.#concurrency;
    for (const slot of this.#current.slots) {
      if (slot.state !== 'ready' || slot.overdue > 0) continue;
      const load = slot.calls.size;
      if (load < bestLoad) {
        best = slot;
        bestLoad = load;
      }
    }
    return best;
  }

  #start(call: PoolCall, slot: Slot): void {
    call.slot = slot;
    if (slot.calls.size === 0) slot.worker.ref();
    slot.calls.set(call.id, call);
    const { input, ctx } = call;
    slot.outbox.open(transfersOf(input)).push(
      TO_WORKER.CALL, call.id, KIND[call.kind], call.name, input, ctx.callId, ctx.service, ctx.version, ctx.deadline, ctx.meta, ctx.auth,
    );
  }

  #drainQueue(): void {
    while (this.#queue.size > 0) {
      const slot = this.#pick();
      if (!slot) return;
      const call = this.#queue.shift();
      if (!call) return;
      this.#start(call, slot);
    }
  }

  #abort(call: PoolCall, reason: unknown): void {
    if (call.settled) return;
    if (call.queued) {
      this.#queue.remove(call);
      return this.#settleError(call, reason);
    }
    const slot = call.slot;
    if (slot && !call.abandoned) {
      call.abandoned = true;
      slot.overdue++;
      slot.outbox.open().push(TO_WORKER.CANCEL, call.id, serializeError(reason));
      call.grace = setTimeout(() => {
        if (call.slot === slot && slot.state !== 'gone') {
          this.#slotGone(slot, `a handler (${call.ctx.service}.v${call.ctx.version}.${call.name}) ignored its abort for ${this.#abortGraceMs} ms, so its worker was terminated`);
        }
      }, this.#abortGraceMs);
    }
    this.#settleError(call, reason);
  }

  #settleValue(call: PoolCall, value: unknown): void {
    if (call.settled) return;
    call.settled = true;
    call.removeAbort?.();
    call.resolve!(value);
  }

  #settleError(call: PoolCall, error: unknown): void {
    if (call.settled) return;
    call.settled = true;
    call.removeAbort?.();
    if (call.inbox) call.inbox.end(error);
    else call.reject!(error);
  }

  /** The worker is done with `call` (answered, ended, or confirmed the abort). */
  #release(slot: Slot, call: PoolCall): void {
    slot.calls.delete(call.id);
    call.slot = undefined;
    if (call.abandoned) {
      slot.overdue--;
      clearTimeout(call.grace);
      if (slot.overdue === 0 && this.#queue.size > 0) queueMicrotask(() => this.#drainQueue());
    }
    if (slot.calls.size === 0) {
      if (slot.state === 'draining') this.#retire(slot);
      else slot.worker.unref();
    }
  }

  // ---- messages from workers -----------------------------------------------------------------------

  #onBatch(slot: Slot, batch: unknown[]): void {
    if (slot.state === 'gone') return;
    for (let i = 0; i < batch.length; i += 1 + TO_POOL_ARITY[batch[i] as number]) {
      const op = batch[i] as number;
      const a = batch[i + 1];
      switch (op) {
        case TO_POOL.RESULT:
        case TO_POOL.ERROR: {
          const call = slot.calls.get(a as number);
          if (!call) break;
          this.#release(slot, call);
          if (op === TO_POOL.RESULT) this.#settleValue(call, batch[i + 2]);
          else this.#settleError(call, deserializeError(batch[i + 2] as SerializedError));
          break;
        }
        case TO_POOL.ITEM: {
          const call = slot.calls.get(a as number);
          if (call && !call.settled) call.inbox?.push(batch[i + 2]);
          break;
        }
        case TO_POOL.END: {
          const call = slot.calls.get(a as number);
          if (!call) break;
          this.#release(slot, call);
          const error = batch[i + 2] as SerializedError | undefined;
          if (error) this.#settleError(call, deserializeError(error));
          else if (!call.settled) {
            call.settled = true;
            call.removeAbort?.();
            call.inbox?.end();
          }
          break;
        }
        case TO_POOL.EMIT: this.#emit(slot, a as ParentContext, batch[i + 2] as string, batch[i + 3]); break;
        case TO_POOL.LOG: this.#logger[a as LogLevel]({ ...(batch[i + 2] as object), worker: slot.threadId }, batch[i + 3] as string | undefined); break;
        case TO_POOL.HOOK_UNARY: {
          const parent = batch[i + 2] as ParentContext;
          serveUnary(slot, a as number, parent, batch[i + 3] as HookCall, this.#hooksOf(slot, parent) ?? this.#hooks);
          break;
        }
        case TO_POOL.HOOK_STREAM: {
          const parent = batch[i + 2] as ParentContext;
          serveStream(slot, a as number, parent, batch[i + 3] as HookCall, batch[i + 4] as number, this.#hooksOf(slot, parent) ?? this.#hooks);
          break;
        }
        case TO_POOL.HOOK_CANCEL: cancelServed(slot, a as number, new AccordError('CANCELLED', 'the caller cancelled the call')); break;
        case TO_POOL.HOOK_CREDIT: slot.hookRuns.get(a as number)?.pump?.grant(batch[i + 2] as number); break;
        case TO_POOL.SCHEDULE:
          try {
            this.schedule(a as string, batch[i + 2], { delayMs: batch[i + 3] as number });
          } catch (error) {
            this.#logger.error({ err: error, task: a }, 'pool: a handler scheduled a task that cannot run');
          }
          break;
        case TO_POOL.READY: this.#onReady(slot, a as ServiceInfo[], batch[i + 2] as TaskInfo[]); break;
        case TO_POOL.LOAD_ERROR: this.#slotGone(slot, 'it could not load the handler modules', deserializeError(a as SerializedError)); return;
      }
    }
    if (this.#queue.size > 0) this.#drainQueue();
  }

  #emit(slot: Slot, ctx: ParentContext, event: string, payload: unknown): void {
    const hooks = this.#hooksOf(slot, ctx) ?? this.#hooks;
    try {
      if (!hooks) throw new Error('no dispatcher serves this pool yet');
      hooks.emit(ctx, event, payload);
    } catch (error) {
      this.#logger.error({ err: error, service: ctx.service, event }, 'pool: an event a worker emitted was not published');
    }
  }

  #hooksOf(slot: Slot, ctx: ParentContext): ContextHooks | undefined {
    return ctx.poolId === undefined ? undefined : slot.calls.get(ctx.poolId)?.hooks;
  }

  #onUnsendable(slot: Slot, message: unknown[], error: unknown): unknown[] | undefined {
    const why = `cannot be sent to a pool worker (${(error as Error)?.message ?? error})`;
    const [op, id] = message as [number, number];
    switch (op) {
      case TO_WORKER.CALL: {
        const call = slot.calls.get(id);
        if (call) {
          this.#release(slot, call);
          this.#settleError(call, new Error(`the call's input ${why}`));
        }
        return undefined;
      }
      case TO_WORKER.HOOK_OK: return [TO_WORKER.HOOK_ERROR, id, serializeError(new Error(`the nested call's result ${why}`))];
      case TO_WORKER.HOOK_ITEM: {
        slot.hookRuns.get(id)?.pump?.stop();
        slot.hookRuns.delete(id);
        return [TO_WORKER.HOOK_END, id, serializeError(new Error(`a nested stream item ${why}`))];
      }
      default:
        this.#logger.error({ err: error, op }, 'pool: a message could not be sent to a worker');
        return undefined;
    }
  }

  // ---- worker lifecycle ----------------------------------------------------------------------------

  #startGeneration(): Generation {
    const gen = new Generation(++this.#generationSequence, this.#threads);
    for (let i = 0; i < this.#threads; i++) this.#spawn(gen);
    return gen;
  }

  #spawn(gen: Generation): void {
    let worker: Worker;
    try {
      worker = spawnWorker({ modules: this.#modules, generation: gen.id, streamWindow: this.#streamWindow }, this.#options.resourceLimits);
    } catch (error) {
      this.#startFailed(gen, error as Error);
      return;
    }
    const slot = new Slot(worker, gen, (s, message, error) => this.#onUnsendable(s, message, error));
    gen.slots.add(slot);
    worker.on('message', (batch: unknown[]) => this.#onBatch(slot, batch));
    worker.on('error', (error: Error) => this.#slotGone(slot, `uncaught ${error?.name ?? 'error'}: ${error?.message ?? error}`, slot.state === 'starting' ? error : undefined));
    worker.on('exit', (code: number) => this.#slotGone(slot, `it exited with code ${code}`));
    slot.startTimer = setTimeout(() => {
      if (slot.state === 'starting') this.#slotGone(slot, `it did not load the handler modules within ${this.#startTimeoutMs} ms`);
    }, this.#startTimeoutMs);
    slot.startTimer.unref();
  }

  #onReady(slot: Slot, services: ServiceInfo[], tasks: TaskInfo[]): void {
    if (slot.state !== 'starting') return;
    clearTimeout(slot.startTimer);
    slot.state = 'ready';
    slot.worker.unref();
    const gen = slot.generation;
    if (!gen.isStarted && --gen.pendingStarts <= 0) {
      gen.tasks = tasks;
      gen.services = services;
      gen.isStarted = true;
      gen.resolveStarted();
    }
    if (gen === this.#current) this.#drainQueue();
  }

  /** A worker is gone (crashed, exited, terminated): fail what it held, replace it if it was serving. */
  #slotGone(slot: Slot, why: string, loadError?: Error): void {
    if (slot.state === 'gone') return;
    const previous = slot.state;
    slot.state = 'gone';
    clearTimeout(slot.startTimer);
    slot.outbox.close();
    const gen = slot.generation;
    gen.slots.delete(slot);
    void slot.worker.terminate().catch(() => undefined);
    if (slot.calls.size > 0) {
      const error = new AccordError('UNAVAILABLE', `the pool worker running this call stopped: ${why}`);
      for (const call of slot.calls.values()) {
        call.slot = undefined;
        clearTimeout(call.grace);
        this.#settleError(call, error);
      }
      slot.calls.clear();
    }
    for (const run of slot.hookRuns.values()) {
      run.controller.abort(new AccordError('CANCELLED', 'the worker that made this call stopped'));
      run.pump?.stop();
    }
    slot.hookRuns.clear();
    if (this.#closed) return;
    if (previous === 'starting') {
      this.#startFailed(gen, loadError ?? new Error(`a pool worker stopped while loading the handler modules: ${why}`));
    } else if (previous === 'ready' && gen === this.#current) {
      this.#replaced++;
      this.#logger.warn({ worker: slot.threadId, reason: why }, 'pool: worker stopped; starting a replacement');
      this.#replace(gen);
    }
    if (this.#queue.size > 0) this.#drainQueue();
  }

  /** Starts a replacement, at once unless workers of this generation keep dying (then with backoff). */
  #replace(gen: Generation): void {
    const now = Date.now();
    gen.crashes = gen.crashes.filter((t) => now - t < 10_000);
    gen.crashes.push(now);
    const excess = gen.crashes.length - this.#threads;
    if (excess <= 0) return this.#spawn(gen);
    const timer = setTimeout(() => {
      if (!this.#closed && gen === this.#current) this.#spawn(gen);
    }, backoffDelay(excess, { initialMs: 100, maxMs: 5_000 }));
    timer.unref();
  }

  #startFailed(gen: Generation, error: Error): void {
    if (!gen.isStarted) {
      // The first workers of a generation could not load the code: that generation fails as a whole.
      gen.failed = error;
      gen.isStarted = true;
      gen.rejectStarted(error);
      for (const slot of [...gen.slots]) this.#retire(slot);
      if (gen === this.#current) {
        this.#logger.error({ err: error }, 'pool: workers cannot load the handler modules; pool calls fail with UNAVAILABLE until a reload succeeds');
        this.#failQueued(new AccordError('UNAVAILABLE', `the pool's handler modules failed to load: ${error.message}`));
      }
      return;
    }
    // A replacement could not start while others serve: try again later.
    this.#logger.error({ err: error }, 'pool: a replacement worker failed to start; retrying');
    if (gen === this.#current) this.#replace(gen);
  }

  /** Stops a worker that holds no calls, without replacing it. */
  #retire(slot: Slot): void {
    if (slot.state === 'gone') return;
    if (slot.calls.size > 0) {
      slot.state = 'draining';
      return;
    }
    slot.state = 'gone';
    clearTimeout(slot.startTimer);
    slot.outbox.close();
    slot.generation.slots.delete(slot);
    for (const run of slot.hookRuns.values()) run.controller.abort(new AccordError('CANCELLED', 'the worker stopped'));
    slot.hookRuns.clear();
    void slot.worker.terminate().catch(() => undefined);
  }

  #failQueued(error: AccordError): void {
    let call: PoolCall | undefined;
    while ((call = this.#queue.shift())) this.#settleError(call, error);
  }

  #oldGenerations: Generation[] = [];

  async #reload(): Promise<void> {
    if (this.#closed) throw new Error('the worker pool is closed');
    const reloadingInline = [...this.#allHooks].filter((h) => h.replaceHandlers);
    // Inline handlers first: a syntax error fails fast, before any worker starts.
    let fresh: BoundService[] = [];
    try {
      // A fresh query per attempt: a module that failed to evaluate stays failed under its URL.
      if (reloadingInline.length > 0) fresh = await importFresh(this.#modules, ++this.#reloadAttempts);
    } catch (error) {
      throw new Error(`reload failed, the pool still serves the previous code: ${(error as Error)?.message ?? error}`, { cause: error });
    }
    const gen = this.#startGeneration();
    try {
      await gen.started;
    } catch (error) {
      throw new Error(`reload failed, the pool still serves the previous code: ${(error as Error).message}`, { cause: error });
    }
    if (this.#closed) {
      for (const slot of [...gen.slots]) this.#retire(slot);
      throw new Error('the worker pool closed during the reload');
    }
    const old = this.#current;
    this.#current = gen;
    this.#oldGenerations = [...this.#oldGenerations.filter((g) => g.slots.size > 0), old];
    for (const slot of [...old.slots]) this.#retire(slot);
    this.#scheduler.setCronTasks(gen.tasks);
    for (const hooks of reloadingInline) hooks.replaceHandlers!(fresh);
    this.#drainQueue();
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#unwatch?.();
    this.#scheduler.close();
    clearTaskScheduler(this.#scheduleTask);
    this.#failQueued(new AccordError('UNAVAILABLE', 'the worker pool is closing'));
    const exits: Promise<unknown>[] = [];
    for (const gen of new Set([this.#current, ...this.#oldGenerations])) {
      for (const slot of [...gen.slots]) {
        exits.push(new Promise((resolve) => {
          slot.worker.once('exit', resolve);
          setTimeout(resolve, 2_000).unref();
        }));
        this.#slotGone(slot, 'the pool closed');
      }
    }
    await Promise.all(exits);
  }

  // ---- tasks ---------------------------------------------------------------------------------------

  async #runTask(name: string, payload: unknown, runId: string): Promise<void> {
    const gen = this.#current;
    const info = gen.tasks.find((t) => t.name === name);
    if (gen.isStarted && !info) {
      this.#logger.error({ task: name, runId }, `pool: no task named '${name}' in the current handler modules; run skipped`);
      return;
    }
    const timeoutMs = info?.timeoutMs ?? this.#taskTimeoutMs;
    const scope = new CallScope();
    const timer = setTimeout(() => scope.abort(new AccordError('DEADLINE_EXCEEDED', `task ${name} did not finish within ${timeoutMs} ms`)), timeoutMs);
    const ctx: ContextData = {
      callId: runId,
      service: info?.service?.name ?? '',
      version: info?.service?.version ?? 0,
      method: name,
      deadline: Date.now() + timeoutMs,
      meta: { hops: 0, headers: {} },
      auth: undefined,
    };
    const call = new PoolCall(++this.#callSequence, 'task', name, payload, ctx, this.#hooks);
    const started = Date.now();
    try {
      await new Promise((resolve, reject) => {
        call.resolve = resolve;
        call.reject = reject;
        this.#submit(call, scope);
      });
      this.#logger.debug({ task: name, runId, ms: Date.now() - started }, 'pool: task done');
    } catch (error) {
      this.#logger.error({ task: name, runId, err: error }, 'pool: task failed');
    } finally {
      clearTimeout(timer);
      if (scope.observed) scope.abort(new AccordError('CANCELLED', 'the task run has ended'));
    }
  }

  get #logger(): Logger {
    return this.#options.logger ?? this.#hooks?.logger ?? fallbackLogger;
  }
}
