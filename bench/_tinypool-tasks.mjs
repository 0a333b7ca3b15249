// Plain tinypool tasks for the pool benchmarks' baseline (JavaScript: tinypool's worker imports it as is).
export default function add({ a, b }) {
  return { sum: a + b };
}

function fibOf(n) {
  return n < 2 ? n : fibOf(n - 1) + fibOf(n - 2);
}

export function fib({ n }) {
  return { value: fibOf(n) };
}
