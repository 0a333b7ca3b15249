/** Exponential backoff with full jitter, for client retries and transport reconnects. */

export interface BackoffOptions {
  /** First delay, before jitter. */
  initialMs?: number;
  /** Ceiling for any delay. */
  maxMs?: number;
  factor?: number;
}

/** Delay before attempt `attempt` (0-based): random in [0, min(max, initial * factor^attempt)]. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 5_000;
  const factor = options.factor ?? 2;
  const ceiling = Math.min(max, initial * factor ** attempt);
  return Math.round(random() * ceiling);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
