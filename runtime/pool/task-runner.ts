/**
 * Running one attempt of a task run (cron, delayed, or scheduled by a handler) in the pool: it
 * waits in the call queue and runs in a worker like a call, under its own deadline (`timeoutMs`).
 * The promise says how it went; what follows a failure (log it, retry it, give up) is the task
 * store's business (task-store.ts), and when it runs is the scheduler's and the store's.
 */
import { CallScope } from '../core/call-scope.js';
import type { ContextData, ContextHooks } from '../core/context.js';
import { AccordError } from '../core/errors.js';
import type { Dispatchers } from './dispatchers.js';
import type { Generation } from './slot.js';
import type { TaskCounters } from './task-counters.js';

/** What a task run needs of call routing. */
export interface TaskCalls {
  readonly current: Generation;
  task(name: string, payload: unknown, ctx: ContextData, hooks: ContextHooks | undefined, scope: CallScope): Promise<unknown>;
}

export class TaskRunner {
  readonly #calls: TaskCalls;
  readonly #dispatchers: Dispatchers;
  readonly #counters: TaskCounters;
  /** Deadline of a run whose task sets no `timeoutMs`. */
  readonly #timeoutMs: number;

  constructor(calls: TaskCalls, dispatchers: Dispatchers, counters: TaskCounters, timeoutMs: number) {
    this.#calls = calls;
    this.#dispatchers = dispatchers;
    this.#counters = counters;
    this.#timeoutMs = timeoutMs;
  }

  /** Resolves when the run succeeded; rejects with its error (counted, not logged: the store logs it with what comes next). */
  async run(name: string, payload: unknown, runId: string): Promise<void> {
    const gen = this.#calls.current;
    const info = gen.tasks.find((t) => t.name === name);
    if (gen.isStarted && !info) {
      this.#counters.failed(name);
      throw new AccordError('UNIMPLEMENTED', `no task named '${name}' in the current handler modules`);
    }
    const timeoutMs = info?.timeoutMs ?? this.#timeoutMs;
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
    const started = Date.now();
    this.#counters.running++;
    try {
      await this.#calls.task(name, payload, ctx, this.#dispatchers.latest, scope);
      this.#counters.succeeded(name);
      this.#dispatchers.logger.debug({ task: name, runId, ms: Date.now() - started }, 'pool: task done');
    } catch (error) {
      this.#counters.failed(name);
      throw error;
    } finally {
      this.#counters.running--;
      clearTimeout(timer);
      if (scope.observed) scope.abort(new AccordError('CANCELLED', 'the task run has ended'));
    }
  }
}
