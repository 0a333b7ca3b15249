/** The math service: a trivial inline method, a CPU-heavy one for the pool, and a typed error. */
import { implementMathV1, mathV1Errors } from '../../generated/math/server.js';

/** The slow, recursive way on purpose: it keeps a core busy, which is what the pool is for. */
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export const mathService = implementMathV1({
  add: ({ a, b }) => ({ sum: a + b }),
  fib: ({ n }) => ({ value: fib(n) }),
  divide: ({ a, b }) => {
    if (b === 0) throw mathV1Errors.DIVISION_BY_ZERO({ dividend: a }, 'cannot divide by zero');
    return { quotient: a / b };
  },
});
