/** Shared by the pool benchmarks: a minimal Execution for driving an Executor directly, and load loops. */
import type { ServiceContract } from 'accord-rpc/contract';
import { CallScope } from 'accord-rpc/core';
import type { ContextData, ContextHooks } from 'accord-rpc/core';
import { AccordError } from 'accord-rpc/core';
import { silentLogger } from 'accord-rpc/core';
import type { Execution } from 'accord-rpc/core';

/** What the dispatcher hands an executor, minus the dispatcher: for measuring the pool alone. */
export function execution(service: ServiceContract, method: string, input: unknown): Execution {
  const scope = new CallScope();
  const context: ContextData = { callId: 'bench', service: service.name, version: service.version, method, deadline: undefined, meta: { hops: 0, headers: {} }, auth: undefined };
  return { service, method: service.methods[method], input, context, scope, get signal() { return scope.signal; } };
}

/** Hooks for executors driven without a dispatcher: the benchmarks make no nested calls. */
export const noHooks: ContextHooks = {
  logger: silentLogger,
  emit: () => undefined,
  unary: () => Promise.reject(new AccordError('UNIMPLEMENTED', 'no nested calls in this benchmark')),
  stream: () => {
    throw new AccordError('UNIMPLEMENTED', 'no nested calls in this benchmark');
  },
};

export interface LoadResult {
  calls: number;
  seconds: number;
  perSecond: number;
  p50us: number;
  p99us: number;
}

/**
 * Issues `total` calls with `inFlight` outstanding at any time; measures throughput and per-call
 * latency (from issue to settle).
 */
export async function closedLoop(call: (i: number) => Promise<unknown>, total: number, inFlight: number): Promise<LoadResult> {
  const latencies = new Float64Array(total);
  let issued = 0;
  const start = performance.now();
  const lane = async () => {
    while (issued < total) {
      const i = issued++;
      const t0 = performance.now();
      await call(i);
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort();
  return {
    calls: total,
    seconds,
    perSecond: total / seconds,
    p50us: latencies[Math.floor(total * 0.5)] * 1000,
    p99us: latencies[Math.floor(total * 0.99)] * 1000,
  };
}

export function formatLoad(label: string, r: LoadResult): string {
  return `${label.padEnd(34)} ${Math.round(r.perSecond).toString().padStart(8)} calls/s   p50 ${r.p50us.toFixed(0).padStart(6)} µs   p99 ${r.p99us.toFixed(0).padStart(6)} µs`;
}
