import { z } from 'zod';
import { service, unary } from 'accord-rpc/contract';

export const math = service({
  name: 'math',
  version: 1,
  description: 'Arithmetic: the quickstart service, a CPU-heavy method for the pool, and a typed error.',
  methods: {
    add: unary({
      summary: 'Add two numbers',
      input: z.object({ a: z.number(), b: z.number() }),
      output: z.object({ sum: z.number() }),
      route: 'POST /math/add',
      tags: ['math'],
      idempotent: true,
      runs: 'inline',
    }),
    fib: unary({
      summary: 'The n-th Fibonacci number, computed the slow way (CPU-bound; runs in the pool)',
      input: z.object({ n: z.number().int().min(0).max(45) }),
      output: z.object({ value: z.number() }),
      tags: ['math'],
      idempotent: true,
      timeoutMs: 60_000,
    }),
    divide: unary({
      summary: 'Divide a by b',
      input: z.object({ a: z.number(), b: z.number() }),
      output: z.object({ quotient: z.number() }),
      errors: {
        DIVISION_BY_ZERO: {
          status: 422,
          description: 'b was zero',
          data: z.object({ dividend: z.number() }),
        },
      },
      route: 'GET /math/divide',
      tags: ['math'],
      idempotent: true,
      runs: 'inline',
    }),
  },
});
