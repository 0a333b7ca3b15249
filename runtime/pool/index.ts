/**
 * The worker-thread pool. (Interim version: runs the handler modules on the calling thread while
 * the worker pool lands; same name and signature as the final one.)
 */
import { pathToFileURL } from 'node:url';
import type { ContextHooks } from '../core/context.js';
import { InlineExecutor, type Execution, type Executor } from '../core/executor.js';
import { boundServicesOf, type BoundService } from '../core/service-binding.js';
import type { PoolHandle, PoolOptions } from './handle.js';
export type { PoolHandle, PoolOptions } from './handle.js';

export function createPool(options: PoolOptions): PoolHandle {
  let generation = 0;
  let loaded: Promise<BoundService[]> | undefined;
  const load = () => (loaded ??= Promise.all(options.modules.map(async (m) => {
    const url = m.startsWith('file:') ? m : pathToFileURL(m).href;
    return boundServicesOf(await import(generation ? `${url}?v=${generation}` : url) as Record<string, unknown>);
  })).then((lists) => lists.flat()));
  return {
    executor(hooks: ContextHooks): Executor {
      const byName = async (execution: Execution) => {
        const services = await load();
        const bound = services.filter((b) => b.contract.name === execution.service.name && b.contract.version === execution.service.version);
        return new InlineExecutor(bound.map((b) => ({ ...b, contract: execution.service })), hooks);
      };
      return {
        unary: async (execution) => (await byName(execution)).unary(execution),
        stream: (execution) => ({
          async *[Symbol.asyncIterator]() {
            yield* (await byName(execution)).stream(execution);
          },
        }),
      };
    },
    async reload() {
      generation++;
      loaded = undefined;
      await load();
    },
    async close() {},
  };
}
