/**
 * Closed-loop load for the benchmarks' load processes (ws, nats, mesh): `inflight` callers each
 * start their next call as soon as the last one settles; after a warm-up, calls that start and
 * end within the measured window are counted and their latencies kept in a preallocated buffer.
 * `hooks` hear when the measured window opens and closes (the mesh loaders measure CPU time across
 * it). Returns what the loaders print.
 */
export interface LoadResult {
  calls: number;
  seconds: number;
  p50: number;
  p99: number;
}

export interface WindowHooks {
  opened(): void;
  closed(): void;
}

export async function closedLoop(call: (i: number) => Promise<void>, inflight: number, seconds: number, warmupMs = 1_000, hooks?: WindowHooks): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let window: { from: number; to: number } | undefined;
  let stop = false;
  const record = (ms: number) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
  };
  const caller = async (first: number) => {
    for (let i = first; !stop; i += inflight) {
      const started = performance.now();
      await call(i);
      const ended = performance.now();
      if (window && started >= window.from && ended <= window.to) record(ended - started);
    }
  };
  const callers = Array.from({ length: inflight }, (_, n) => caller(n));
  await new Promise((r) => setTimeout(r, warmupMs));
  hooks?.opened();
  const from = performance.now();
  window = { from, to: from + seconds * 1000 };
  await new Promise((r) => setTimeout(r, seconds * 1000));
  hooks?.closed();
  stop = true;
  await Promise.all(callers);
  const sorted = latencies.subarray(0, count).sort();
  const at = (p: number) => (count === 0 ? 0 : sorted[Math.min(count - 1, Math.floor((p / 100) * count))]!);
  return { calls: count, seconds, p50: at(50), p99: at(99) };
}
