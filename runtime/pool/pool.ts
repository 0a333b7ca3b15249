/**
 * The worker pool's handle: reads the options, builds the parts and implements PoolHandle over them.
 * Calls go to the least loaded worker of the current generation, many in flight per worker,
 * batched per event-loop turn in both directions (outbox.ts); past `concurrency` per worker they
 * wait in a bounded queue (call-router.ts). Workers' messages: worker-messages.ts; starting,
 * replacing and retiring workers: workers.ts; task runs: task-runner.ts.
 *
 * Failure model: a handler error fails its call; a worker that dies fails the calls it held with
 * UNAVAILABLE and is replaced; a handler that ignores its abort for `abortGraceMs` gets its worker
 * terminated (same thing). A reload starts a new generation of workers, switches new calls to it
 * once all of them have loaded the modules, and lets the old ones finish their calls and exit.
 * Tasks: cron ticks come from scheduler.ts; delayed runs and ticks wait in the task store
 * (task-store.ts: in memory by default, or a shared durable one), which hands runs to TaskRunner.
 */
import { availableParallelism } from 'node:os';
import type { ContextHooks } from '../core/context.js';
import { AccordError } from '../core/errors.js';
import type { BoundService } from '../core/service-binding.js';
import { CallRouter } from './call-router.js';
import { Dispatchers } from './dispatchers.js';
import type { PoolExecutor, PoolHandle, PoolOptions, PoolStats, ScheduleOptions, ScheduledRun } from './handle.js';
import { importFresh, moduleUrl, watchSources } from './reload.js';
import { MemoryTaskStore } from './memory-task-store.js';
import { CronSchedule, nextRunId } from './scheduler.js';
import type { SlotState } from './slot.js';
import { TaskCounters } from './task-counters.js';
import { TaskRunner } from './task-runner.js';
import type { TaskStore } from './task-store.js';
import { clearTaskScheduler, setTaskScheduler } from './tasks.js';
import { Workers } from './workers.js';

const DEFAULTS = {
  maxQueue: 10_000,
  abortGraceMs: 5_000,
  concurrency: 64,
  streamWindow: 16,
  startTimeoutMs: 30_000,
  taskTimeoutMs: 60_000,
  watchDebounceMs: 150,
};

export class WorkerPool implements PoolHandle {
  readonly #modules: string[];
  readonly #dispatchers: Dispatchers;
  readonly #router: CallRouter;
  readonly #workers: Workers;
  readonly #crons: CronSchedule;
  readonly #store: TaskStore;
  readonly #storeOpen: Promise<void>;
  readonly #taskCounters = new TaskCounters();
  #reloadAttempts = 0;
  #closing: Promise<void> | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #unwatch: (() => void) | undefined;
  readonly #scheduleTask = (name: string, payload: unknown, options?: ScheduleOptions) => this.schedule(name, payload, options);

  constructor(options: PoolOptions) {
    if (!options.modules?.length) throw new Error('createPool: `modules` lists no handler modules');
    this.#modules = options.modules.map(moduleUrl);
    const streamWindow = Math.max(1, options.streamWindow ?? DEFAULTS.streamWindow);
    this.#dispatchers = new Dispatchers(options.logger);
    // Routing and the workers' lifecycle need each other. The router, built first, reaches the
    // workers through these two, off the per-call path: a drained old worker retires, a worker
    // whose handler ignored an abort is stopped.
    this.#router = new CallRouter({
      maxQueue: options.maxQueue ?? DEFAULTS.maxQueue,
      concurrency: Math.max(1, options.concurrency ?? DEFAULTS.concurrency),
      abortGraceMs: options.abortGraceMs ?? DEFAULTS.abortGraceMs,
      streamWindow,
    }, {
      retire: (slot) => this.#workers.retire(slot),
      slotGone: (slot, why) => this.#workers.slotGone(slot, why),
    });
    this.#workers = new Workers({
      modules: this.#modules,
      threads: Math.max(1, Math.floor(options.threads ?? availableParallelism())),
      streamWindow,
      startTimeoutMs: options.startTimeoutMs ?? DEFAULTS.startTimeoutMs,
      resourceLimits: options.resourceLimits,
    }, this.#router, this.#dispatchers, this);
    const runner = new TaskRunner(this.#router, this.#dispatchers, this.#taskCounters, options.taskTimeoutMs ?? DEFAULTS.taskTimeoutMs);
    this.#store = options.taskStore ?? new MemoryTaskStore();
    this.#crons = new CronSchedule((task, at) => this.#store.cronTick(task, at), () => this.#dispatchers.logger);
    const dispatchers = this.#dispatchers;
    this.#storeOpen = this.#store.open({
      run: (name, payload, runId) => runner.run(name, payload, runId),
      get logger() {
        return dispatchers.logger;
      },
      counters: this.#taskCounters,
    });
    // Reported through ready(); without this a store that cannot open would be an unhandled rejection.
    this.#storeOpen.catch(() => undefined);
    this.#router.current = this.#workers.startGeneration();
    this.#router.current.started.then(() => this.#setTasks(), () => undefined);
    setTaskScheduler(this.#scheduleTask);
    if (options.watch) {
      const watch = options.watch === true ? {} : options.watch;
      this.#unwatch = watchSources(this.#modules, watch.paths ?? [], watch.debounceMs ?? DEFAULTS.watchDebounceMs, () => {
        this.reload().then(
          () => this.#dispatchers.logger.info({ generation: this.#router.current.id }, 'pool: handler modules reloaded'),
          (error) => this.#dispatchers.logger.error({ err: error }, 'pool: reload after a file change failed; still serving the previous code'),
        );
      });
    }
  }

  /** An arrow property, so `pool: handle.executor` works unbound. */
  readonly executor = (hooks: ContextHooks): PoolExecutor => {
    this.#dispatchers.add(hooks);
    const router = this.#router;
    return {
      unary: (execution) => router.unary(execution, hooks),
      stream: (execution) => router.stream(execution, hooks),
      close: () => this.close(),
    };
  };

  ready(): Promise<void> {
    return Promise.all([this.#router.current.started, this.#storeOpen]).then(() => undefined);
  }

  reload(): Promise<void> {
    const run = this.#reloading.then(() => this.#reload());
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  schedule(task: string, payload?: unknown, options: ScheduleOptions = {}): ScheduledRun {
    if (this.#router.closed) throw new Error(`cannot schedule task '${task}': the pool is closed`);
    const gen = this.#router.current;
    if (gen.isStarted && !gen.tasks.some((t) => t.name === task)) {
      throw new Error(`no task named '${task}' in the pool's modules (declared: ${gen.tasks.map((t) => t.name).join(', ') || 'none'})`);
    }
    return this.#store.schedule({ id: nextRunId(task), task, payload, dueAt: Date.now() + Math.max(0, options.delayMs ?? 0) });
  }

  stats(): PoolStats {
    const workers: PoolStats['workers'] = [];
    for (const gen of this.#workers.generations()) {
      for (const slot of gen.slots) {
        workers.push({ threadId: slot.threadId, generation: gen.id, state: slot.state as Exclude<SlotState, 'gone'>, inFlight: slot.calls.size });
      }
    }
    return {
      generation: this.#router.current.id,
      workers,
      queued: this.#router.queued,
      inFlight: workers.reduce((n, w) => n + w.inFlight, 0),
      replaced: this.#workers.replaced,
      tasks: { store: this.#store.kind, waiting: this.#store.waiting, running: this.#taskCounters.running, byTask: this.#taskCounters.snapshot() },
    };
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #reload(): Promise<void> {
    const router = this.#router;
    if (router.closed) throw new Error('the worker pool is closed');
    const reloadingInline = [...this.#dispatchers.all].filter((h) => h.replaceHandlers);
    // Inline handlers first: a syntax error fails fast, before any worker starts.
    let fresh: BoundService[] = [];
    try {
      // A fresh query per attempt: a module that failed to evaluate stays failed under its URL.
      if (reloadingInline.length > 0) fresh = await importFresh(this.#modules, ++this.#reloadAttempts);
    } catch (error) {
      throw new Error(`reload failed, the pool still serves the previous code: ${(error as Error)?.message ?? error}`, { cause: error });
    }
    const gen = this.#workers.startGeneration();
    try {
      await gen.started;
    } catch (error) {
      throw new Error(`reload failed, the pool still serves the previous code: ${(error as Error).message}`, { cause: error });
    }
    if (router.closed) {
      this.#workers.retireAll(gen);
      throw new Error('the worker pool closed during the reload');
    }
    const old = router.current;
    router.current = gen;
    this.#workers.retireGeneration(old);
    this.#setTasks();
    for (const hooks of reloadingInline) hooks.replaceHandlers!(fresh);
    router.drainQueue();
  }

  /** The current workers' tasks: their cron schedules, and the runs this process takes from the store. */
  #setTasks(): void {
    const tasks = this.#router.current.tasks;
    this.#crons.set(tasks);
    this.#store.setTasks(tasks);
  }

  async #close(): Promise<void> {
    this.#router.closed = true;
    this.#unwatch?.();
    this.#crons.stop();
    clearTaskScheduler(this.#scheduleTask);
    // Before the workers go (closed refuses new calls only): a store may let the runs it handed out
    // finish, and hand back the rest.
    await this.#store.close().catch((error: unknown) => this.#dispatchers.logger.error({ err: error }, 'pool: the task store did not close cleanly'));
    this.#router.failQueued(new AccordError('UNAVAILABLE', 'the worker pool is closing'));
    await this.#workers.stopAll();
  }
}
