/**
 * The slow reports of the frontend example. A report takes `delayMs`; when the caller goes away
 * first (the page navigated away, so TanStack Query aborted the fetch), `ctx.signal` aborts the
 * wait and the handler records the cancellation: the example server logs it, the test reads it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { implementReportsV1 } from '../generated/reports/server.js';

export interface ReportOutcome {
  name: string;
  outcome: 'started' | 'built' | 'cancelled';
}

export function createReportsService(onOutcome: (outcome: ReportOutcome) => void = () => undefined) {
  return implementReportsV1({
    build: async ({ name, delayMs }, ctx) => {
      onOutcome({ name, outcome: 'started' });
      try {
        await delay(delayMs, undefined, { signal: ctx.signal });
      } catch (error) {
        if (ctx.signal.aborted) onOutcome({ name, outcome: 'cancelled' });
        throw error;
      }
      onOutcome({ name, outcome: 'built' });
      return { name, rows: 1 + (name.length * 7) % 50, builtAt: new Date().toISOString() };
    },
  });
}
