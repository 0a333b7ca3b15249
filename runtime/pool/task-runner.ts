/**
 * Running one task run (cron, delayed, or scheduled by a handler) in the pool: it waits in the call
 * queue and runs in a worker like a call, under its own deadline (`timeoutMs`), and is logged, never
 * retried. When it runs is scheduler.ts's business.
 */
import { CallScope } from '../core/call-scope.js';
import type { ContextData, ContextHooks } from '../core/context.js';
import { AccordError } from '../core/errors.js';
import type { Dispatchers } from './dispatchers.js';
import type { Generation } from './slot.js';

/** What a task run needs of call routing. */
export interface TaskCalls {
  readonly current: Generation;
  task(name: string, payload: unknown, ctx: ContextData, hooks: ContextHooks | undefined, scope: CallScope): Promise<unknown>;
}

export class TaskRunner {
  readonly #calls: TaskCalls;
  readonly #dispatchers: Dispatchers;
  /** Deadline of a run whose task sets no `timeoutMs`. */
  readonly #timeoutMs: number;

  constructor(calls: TaskCalls, dispatchers: Dispatchers, timeoutMs: number) {
    this.#calls = calls;
    this.#dispatchers = dispatchers;
    this.#timeoutMs = timeoutMs;
  }

  async run(name: string, payload: unknown, runId: string): Promise<void> {
    const gen = this.#calls.current;
    const info = gen.tasks.find((t) => t.name === name);
    if (gen.isStarted && !info) {
      this.#dispatchers.logger.error({ task: name, runId }, `pool: no task named '${name}' in the current handler modules; run skipped`);
      return;
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
    try {
      await this.#calls.task(name, payload, ctx, this.#dispatchers.latest, scope);
      this.#dispatchers.logger.debug({ task: name, runId, ms: Date.now() - started }, 'pool: task done');
    } catch (error) {
      this.#dispatchers.logger.error({ task: name, runId, err: error }, 'pool: task failed');
    } finally {
      clearTimeout(timer);
      if (scope.observed) scope.abort(new AccordError('CANCELLED', 'the task run has ended'));
    }
  }
}
