/**
 * Handler module of the pool benchmarks: math.add and math.fib, both forced to run in the pool
 * (the example contract runs add inline). Not a benchmark itself (the name starts with `_`).
 */
import { z } from 'zod';
import { service, unary } from 'accord-rpc/contract';
import { bindService } from 'accord-rpc/core';

export const pooledMath = service({
  name: 'math',
  version: 1,
  description: 'math.add and math.fib, both in the worker pool (benchmarks only).',
  methods: {
    add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.object({ sum: z.number() }), runs: 'pool' }),
    fib: unary({ input: z.object({ n: z.number().int().min(0).max(45) }), output: z.object({ value: z.number() }), runs: 'pool', timeoutMs: 120_000 }),
  },
});

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export const pooledMathService = bindService(pooledMath, {
  add: ({ a, b }: { a: number; b: number }) => ({ sum: a + b }),
  fib: ({ n }: { n: number }) => ({ value: fib(n) }),
});
