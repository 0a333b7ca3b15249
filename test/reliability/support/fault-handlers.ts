/**
 * The handlers of `faults` v1 (fault-contract.ts): the module `accord serve` loads in the fault
 * tests' and the soak's server processes (fault.config.ts), in pool workers and on the main thread.
 * Each call writes its token to the run ledger before anything else.
 */
import { bindService, sleep, type HandlerContext } from 'accord-rpc/core';
import { faults } from './fault-contract.js';
import { recordRun } from './run-ledger.js';
import { threadId } from 'node:worker_threads';

const node = process.env.ACCORD_NODE_ID ?? `pid-${process.pid}`;

async function run({ token, ms }: { token: string; ms: number }, ctx: HandlerContext) {
  recordRun(token);
  if (ms > 0) await sleep(ms, ctx.signal);
  return { token, pid: process.pid, threadId };
}

export const faultsService = bindService(faults, {
  charge: run,
  lookup: run,
  async *feed({ token, count, intervalMs }: { token: string; count: number; intervalMs: number }, ctx: HandlerContext) {
    recordRun(token);
    for (let seq = 0; seq < count; seq++) {
      if (intervalMs > 0 && seq > 0) await sleep(intervalMs, ctx.signal);
      yield { token, seq };
    }
  },
  announce: ({ token, count }: { token: string; count: number }, ctx: HandlerContext) => {
    recordRun(token);
    for (let seq = 0; seq < count; seq++) ctx.emit('beat', { token, seq, from: node });
    return {};
  },
  exit: ({ token }: { token: string }) => {
    recordRun(token);
    process.exit(1);
  },
  stuck: ({ token }: { token: string }) => {
    recordRun(token);
    return new Promise<never>(() => undefined);
  },
});
