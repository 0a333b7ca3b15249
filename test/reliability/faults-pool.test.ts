/**
 * Pool workers dying under load, in a real `accord serve` process (2 workers) called over HTTP and
 * WebSocket: a handler that calls process.exit() takes its worker down with every call it holds,
 * and a handler that ignores its abort gets its worker terminated. Counted on both sides: each call
 * ends exactly once, typed, by its deadline; no call that is not idempotent runs twice; the pool
 * replaces its workers and keeps serving. (test/pool/failures.test.ts proves the same for one
 * crash at a time, in process; this is the same under traffic, across the wire.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallBook, CallRecord } from './support/call-book.js';
import { show, violations } from './support/call-book.js';
import { eventViolations } from './support/event-watch.js';
import { FaultClients } from './support/fault-clients.js';
import { describeRun, runUnderLoad, sleep } from './support/fault-run.js';
import { FaultServer } from './support/fault-servers.js';
import { RunLedger } from './support/run-ledger.js';

const ledger = RunLedger.create();
let server: FaultServer;
let clients: FaultClients;

beforeAll(async () => {
  server = await FaultServer.start({ nodeId: 'pool-faults', transports: ['http', 'ws'], ledger, poolThreads: 2 });
  clients = new FaultClients({ http: server.httpUrl, ws: server.wsUrl }, { events: true });
}, 40_000);

afterAll(async () => {
  await clients?.close();
  await server?.stop();
  ledger.remove();
});

/** Every 600 ms, over HTTP then WebSocket in turn: a worker exits, or a handler ignores its abort. Resolves once those calls ended. */
async function killWorkers(book: CallBook, rounds: number): Promise<void> {
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < rounds; i++) {
    await sleep(600);
    const transport = i % 2 === 0 ? 'http' : 'ws';
    const client = clients.client(transport);
    if (i % 4 < 2) {
      const token = book.token(transport, 'exit');
      calls.push(book.track(book.start(token, 'exit', transport, false, 3_000), () => client.exit({ token }, { timeoutMs: 3_000 })));
    } else {
      const token = book.token(transport, 'stuck');
      calls.push(book.track(book.start(token, 'stuck', transport, false, 300), () => client.stuck({ token }, { timeoutMs: 300 })));
    }
  }
  await Promise.all(calls);
}

describe('pool workers killed under load', () => {
  it('workers exiting (process.exit in a handler) and terminated (a handler ignoring its abort) under HTTP and WebSocket load: every call ends once, typed, by its deadline; none that is not idempotent runs twice; the pool keeps serving', async () => {
    const run = await runUnderLoad(clients, ledger, { callers: 6, timeoutMs: 3_000, workMs: 40 }, (book) => killWorkers(book, 8), { tailMs: 2_500 });
    const { book, summary } = run;
    console.log(describeRun('pool', run));

    expect(violations(summary)).toEqual([]);
    expect(eventViolations(run.events)).toEqual([]);
    // The faults happened as meant: exits took their worker down, stuck calls hit their deadline,
    // and both hit calls in flight on their worker, which failed as the pool says: UNAVAILABLE,
    // naming why. (Calls refused by the client's open circuit never left: see below.)
    const fault = (r: CallRecord) => r.kind === 'exit' || r.kind === 'stuck';
    const failed = book.where((r) => r.outcome !== 'ok' && !r.refused);
    expect(failed.filter((r) => r.kind === 'exit' && /exited with code 1/.test(r.message!)).length).toBeGreaterThan(0);
    expect(failed.filter((r) => r.kind === 'stuck' && r.outcome === 'DEADLINE_EXCEEDED').length).toBeGreaterThan(0);
    const collateral = failed.filter((r) => !fault(r));
    expect(collateral.length).toBeGreaterThan(0);
    for (const call of failed) {
      if (call.kind === 'stuck' && call.outcome === 'DEADLINE_EXCEEDED') continue;
      expect(call.outcome, show(call)).toBe('UNAVAILABLE');
      expect(call.message, show(call)).toMatch(/exited with code 1|ignored its abort/);
    }
    // Idempotent calls were retried through it. A crash that fails 5 calls of one client at once
    // opens that client's circuit for a second (its breaker counts the server's 503s), and
    // refusals are not retried: those are the only idempotent failures.
    expect(collateral.filter((r) => r.idempotent).map(show)).toEqual([]);
    // The pool replaced its workers: a second after the last fault, calls succeed on both
    // transports again (some may still be refused while a circuit waits for its probe).
    const after = book.where((r) => r.startedAt > run.faultsOverAt + 1_000);
    for (const transport of ['http', 'ws']) {
      const mine = after.filter((r) => r.transport === transport);
      expect(mine.filter((r) => r.outcome === 'ok').length).toBeGreaterThan(10);
      expect(mine.filter((r) => r.outcome !== 'ok' && !r.refused).map(show)).toEqual([]);
    }
    expect(run.events.every((e) => e.received > 0)).toBe(true);
  }, 40_000);
});
