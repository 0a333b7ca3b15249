/**
 * The lifecycle of the pool's workers, by generation: starting them (a generation is the workers
 * started together, by the start or by a reload), marking them ready, failing the calls of one
 * that is gone and replacing it (with backoff when they keep dying), failing a generation that
 * cannot load the modules, and retiring workers no longer needed once their calls are done.
 * Workers are plain node:worker_threads Workers (tinypool's lifecycle does not serve here: see
 * docs/pool.md).
 */
import type { Worker } from 'node:worker_threads';
import { backoffDelay } from '../core/backoff.js';
import { AccordError } from '../core/errors.js';
import type { Dispatchers } from './dispatchers.js';
import type { PoolOptions } from './handle.js';
import type { ServiceInfo, TaskInfo } from './protocol.js';
import { spawnWorker } from './spawn.js';
import { Generation, Slot } from './slot.js';
import { type CallRelease, type TaskScheduling, WorkerMessages } from './worker-messages.js';

export interface WorkerSettings {
  /** File URLs of the handler modules. */
  modules: string[];
  threads: number;
  streamWindow: number;
  startTimeoutMs: number;
  resourceLimits: PoolOptions['resourceLimits'];
}

/** What the workers' lifecycle needs of call routing (and passes on to the workers' messages). */
export interface RoutedCalls extends CallRelease {
  readonly current: Generation;
  readonly closed: boolean;
  failQueued(error: AccordError): void;
}

export class Workers {
  readonly #settings: WorkerSettings;
  readonly #calls: RoutedCalls;
  readonly #dispatchers: Dispatchers;
  readonly #messages: WorkerMessages;
  #generationSequence = 0;
  /** Generations a reload replaced, kept while their workers finish their calls. */
  #old: Generation[] = [];
  #replaced = 0;

  constructor(settings: WorkerSettings, calls: RoutedCalls, dispatchers: Dispatchers, tasks: TaskScheduling) {
    this.#settings = settings;
    this.#calls = calls;
    this.#dispatchers = dispatchers;
    this.#messages = new WorkerMessages(calls, this, dispatchers, tasks);
  }

  /** Workers replaced after a crash or an ignored abort. */
  get replaced(): number {
    return this.#replaced;
  }

  /** The current generation, then those still draining. */
  generations(): Generation[] {
    this.#old = this.#old.filter((g) => g.slots.size > 0);
    return [this.#calls.current, ...this.#old];
  }

  startGeneration(): Generation {
    const gen = new Generation(++this.#generationSequence, this.#settings.threads);
    for (let i = 0; i < this.#settings.threads; i++) this.#spawn(gen);
    return gen;
  }

  /** `gen` no longer takes calls: its workers exit once they have finished theirs. */
  retireGeneration(gen: Generation): void {
    this.#old = [...this.#old.filter((g) => g.slots.size > 0), gen];
    this.retireAll(gen);
  }

  retireAll(gen: Generation): void {
    for (const slot of [...gen.slots]) this.retire(slot);
  }

  /** Stops every worker; settles when all have exited (or after 2 s). */
  stopAll(): Promise<unknown[]> {
    const exits: Promise<unknown>[] = [];
    for (const gen of new Set(this.generations())) {
      for (const slot of [...gen.slots]) {
        exits.push(new Promise((resolve) => {
          slot.worker.once('exit', resolve);
          setTimeout(resolve, 2_000).unref();
        }));
        this.slotGone(slot, 'the pool closed');
      }
    }
    return Promise.all(exits);
  }

  onReady(slot: Slot, services: ServiceInfo[], tasks: TaskInfo[]): void {
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
    if (gen === this.#calls.current) this.#calls.drainQueue();
  }

  /** A worker is gone (crashed, exited, terminated): fail what it held, replace it if it was serving. */
  slotGone(slot: Slot, why: string, loadError?: Error): void {
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
        call.settleError(error);
      }
      slot.calls.clear();
    }
    for (const run of slot.hookRuns.values()) {
      run.controller.abort(new AccordError('CANCELLED', 'the worker that made this call stopped'));
      run.pump?.stop();
    }
    slot.hookRuns.clear();
    if (this.#calls.closed) return;
    if (previous === 'starting') {
      this.#startFailed(gen, loadError ?? new Error(`a pool worker stopped while loading the handler modules: ${why}`));
    } else if (previous === 'ready' && gen === this.#calls.current) {
      this.#replaced++;
      this.#dispatchers.logger.warn({ worker: slot.threadId, reason: why }, 'pool: worker stopped; starting a replacement');
      this.#replace(gen);
    }
    if (this.#calls.queued > 0) this.#calls.drainQueue();
  }

  /** Stops a worker that holds no calls, without replacing it. */
  retire(slot: Slot): void {
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

  #spawn(gen: Generation): void {
    const settings = this.#settings;
    let worker: Worker;
    try {
      worker = spawnWorker({ modules: settings.modules, generation: gen.id, streamWindow: settings.streamWindow }, settings.resourceLimits);
    } catch (error) {
      this.#startFailed(gen, error as Error);
      return;
    }
    const messages = this.#messages;
    const slot = new Slot(worker, gen, (s, message, error) => messages.onUnsendable(s, message, error));
    gen.slots.add(slot);
    worker.on('message', (batch: unknown[]) => messages.onBatch(slot, batch));
    worker.on('error', (error: Error) => this.slotGone(slot, `uncaught ${error?.name ?? 'error'}: ${error?.message ?? error}`, slot.state === 'starting' ? error : undefined));
    worker.on('exit', (code: number) => this.slotGone(slot, `it exited with code ${code}`));
    slot.startTimer = setTimeout(() => {
      if (slot.state === 'starting') this.slotGone(slot, `it did not load the handler modules within ${settings.startTimeoutMs} ms`);
    }, settings.startTimeoutMs);
    slot.startTimer.unref();
  }

  /** Starts a replacement, at once unless workers of this generation keep dying (then with backoff). */
  #replace(gen: Generation): void {
    const now = Date.now();
    gen.crashes = gen.crashes.filter((t) => now - t < 10_000);
    gen.crashes.push(now);
    const excess = gen.crashes.length - this.#settings.threads;
    if (excess <= 0) return this.#spawn(gen);
    const timer = setTimeout(() => {
      if (!this.#calls.closed && gen === this.#calls.current) this.#spawn(gen);
    }, backoffDelay(excess, { initialMs: 100, maxMs: 5_000 }));
    timer.unref();
  }

  #startFailed(gen: Generation, error: Error): void {
    if (!gen.isStarted) {
      // The first workers of a generation could not load the code: that generation fails as a whole.
      gen.failed = error;
      gen.isStarted = true;
      gen.rejectStarted(error);
      this.retireAll(gen);
      if (gen === this.#calls.current) {
        this.#dispatchers.logger.error({ err: error }, 'pool: workers cannot load the handler modules; pool calls fail with UNAVAILABLE until a reload succeeds');
        this.#calls.failQueued(new AccordError('UNAVAILABLE', `the pool's handler modules failed to load: ${error.message}`));
      }
      return;
    }
    // A replacement could not start while others serve: try again later.
    this.#dispatchers.logger.error({ err: error }, 'pool: a replacement worker failed to start; retrying');
    if (gen === this.#calls.current) this.#replace(gen);
  }
}
