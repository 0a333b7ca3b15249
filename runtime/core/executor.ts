/**
 * Where a validated call actually runs. The dispatcher hands each call to an Executor: the inline
 * one calls the handler on this thread; the pool (runtime/pool) runs it in a worker thread.
 */
import type { MethodContract, ServiceContract } from '../contract/index.js';
import type { CallScope } from './call-scope.js';
import type { ContextData, ContextHooks } from './context.js';
import { createHandlerContext } from './context.js';
import type { BoundService, StreamHandler, UnaryHandler } from './service-binding.js';

export interface Execution {
  service: ServiceContract;
  method: MethodContract;
  /** Parsed (validated, transformed) input. */
  input: unknown;
  context: ContextData;
  /** Aborted on cancel, disconnect or deadline. Prefer `scope.onAbort` on hot paths: reading `signal` creates it. */
  readonly signal: AbortSignal;
  readonly scope: CallScope;
}

export interface Executor {
  /** The output, or a promise of it (inline handlers that return at once skip a promise). Throws or rejects on failure. */
  unary(execution: Execution): unknown;
  /** Pulled by the caller: a slow consumer pauses the handler's generator. */
  stream(execution: Execution): AsyncIterable<unknown>;
  close?(): Promise<void>;
}

/** Runs handlers on the calling thread. */
export class InlineExecutor implements Executor {
  readonly #services: Map<ServiceContract, BoundService>;
  readonly #hooks: ContextHooks;

  constructor(services: Iterable<BoundService>, hooks: ContextHooks) {
    this.#services = new Map([...services].map((bound) => [bound.contract, bound]));
    this.#hooks = hooks;
  }

  /**
   * Swaps in new handlers for services this executor already serves (matched by name and version;
   * others are ignored): the pool's hot reload of inline handlers. Returns how many were swapped.
   */
  replace(services: Iterable<BoundService>): number {
    let swapped = 0;
    for (const fresh of services) {
      for (const contract of this.#services.keys()) {
        if (contract.name === fresh.contract.name && contract.version === fresh.contract.version) {
          this.#services.set(contract, { ...fresh, contract });
          swapped++;
        }
      }
    }
    return swapped;
  }

  unary(execution: Execution): unknown {
    const handler = this.#handler(execution) as UnaryHandler;
    return handler(execution.input, createHandlerContext(execution.context, execution.scope, this.#hooks));
  }

  stream(execution: Execution): AsyncIterable<unknown> {
    const handler = this.#handler(execution) as StreamHandler;
    return handler(execution.input, createHandlerContext(execution.context, execution.scope, this.#hooks));
  }

  #handler(execution: Execution) {
    const bound = this.#services.get(execution.service);
    const handler = bound?.handlers[execution.context.method];
    if (!handler) throw new Error(`no inline handler for ${execution.service.name}.${execution.context.method}`);
    return handler;
  }
}
