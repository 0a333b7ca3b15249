/**
 * The dispatchers a pool serves: each hands its ContextHooks to `executor()`. A call carries the
 * hooks of its own dispatcher; what has no call (a task run, an event or nested call whose call is
 * gone) uses the latest, which also gives the pool its default logger.
 */
import type { ContextHooks } from '../core/context.js';
import { createLogger, type Logger } from '../core/logger.js';

const fallbackLogger = createLogger('warn', { component: 'accord-pool' });

export class Dispatchers {
  readonly all = new Set<ContextHooks>();
  #latest: ContextHooks | undefined;
  readonly #logger: Logger | undefined;

  /** `logger`: the pool's own (its `logger` option), which wins over the dispatchers'. */
  constructor(logger: Logger | undefined) {
    this.#logger = logger;
  }

  add(hooks: ContextHooks): void {
    this.#latest = hooks;
    this.all.add(hooks);
  }

  get latest(): ContextHooks | undefined {
    return this.#latest;
  }

  get logger(): Logger {
    return this.#logger ?? this.#latest?.logger ?? fallbackLogger;
  }
}
