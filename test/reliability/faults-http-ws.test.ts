/**
 * An HTTP and WebSocket server failing under load: one `accord serve` process (`faults` in a worker
 * pool) called over HTTP and WebSocket with mixed traffic (unary calls that are not idempotent and
 * idempotent ones, streams, events over SSE and WebSocket). It is stalled (SIGSTOP, then SIGCONT):
 * HTTP has no heartbeat, so its calls end at their deadline; the WebSocket client's heartbeat
 * notices first. Then it is killed (SIGKILL) and restarted on its port. Counted on both sides: each
 * call ends exactly once, typed, by its deadline; none that is not idempotent runs twice; each
 * event arrives at most once, in order; both transports serve again afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../nats/processes.js';
import { show, violations } from './support/call-book.js';
import { eventViolations } from './support/event-watch.js';
import { CLIENT_HEARTBEAT_MS, FaultClients } from './support/fault-clients.js';
import { describeRun, runUnderLoad, sleep, type FaultRun } from './support/fault-run.js';
import { FaultServer } from './support/fault-servers.js';
import { RunLedger } from './support/run-ledger.js';

const ledger = RunLedger.create();
let server: FaultServer;
let clients: FaultClients;

beforeAll(async () => {
  server = await FaultServer.start({ nodeId: 'edge', transports: ['http', 'ws'], ledger });
  clients = new FaultClients({ http: server.httpUrl, ws: server.wsUrl }, { events: true });
}, 40_000);

afterAll(async () => {
  await clients?.close();
  await server?.stop();
  ledger.remove();
});

/** Calls of `transport` that failed, other than refusals of an open circuit (those never left). */
const failures = (run: FaultRun, transport: string) => run.book.where((r) => r.transport === transport && r.outcome !== 'ok' && !r.refused);

/** Waits until both transports answered a call after `at` (the circuit breakers let them through again). */
async function servingAgain(run: () => FaultRun['book'] | undefined, at: number): Promise<void> {
  await waitFor(() => {
    const ok = run()?.where((r) => r.outcome === 'ok' && r.startedAt > at) ?? [];
    return ok.some((r) => r.transport === 'http') && ok.some((r) => r.transport === 'ws') ? true : undefined;
  }, 10_000, 'calls over both transports to succeed again');
}

describe('an HTTP and WebSocket server failing under load', () => {
  it('stalled with SIGSTOP: WebSocket calls fail with UNAVAILABLE when the client heartbeat goes unanswered, HTTP calls end at their deadline (DEADLINE_EXCEEDED); none hangs or runs twice; both serve again after SIGCONT', async () => {
    let stalledAt = 0;
    let book: FaultRun['book'] | undefined;
    try {
      const run = await runUnderLoad(clients, ledger, { callers: 6, timeoutMs: 1_500, workMs: 40 }, async (calls) => {
        book = calls;
        stalledAt = Date.now();
        server.stall();
        await sleep(2_500);
        server.resume();
        await servingAgain(() => book, Date.now());
      }, { tailMs: 500 });
      console.log(describeRun('http and ws stall', run));

      expect(violations(run.summary)).toEqual([]);
      expect(eventViolations(run.events)).toEqual([]);
      const http = failures(run, 'http');
      expect(http.length).toBeGreaterThan(0);
      for (const call of http) expect(call.outcome, show(call)).toBe('DEADLINE_EXCEEDED');
      const ws = failures(run, 'ws');
      expect(ws.length).toBeGreaterThan(0);
      // Calls in flight when it stalled: the heartbeat (a ping after 250 ms of silence, unanswered
      // for 250 ms more) ends them long before their deadline. (Idempotent ones are retried, and
      // the retry may then run out of time connecting.)
      const inFlight = ws.filter((r) => r.startedAt < stalledAt && !r.idempotent);
      expect(inFlight.length).toBeGreaterThan(0);
      for (const call of inFlight) {
        expect(call.outcome, show(call)).toBe('UNAVAILABLE');
        expect(call.message, show(call)).toMatch(/did not answer a ping/);
        expect(call.endedAt! - stalledAt, show(call)).toBeLessThan(4 * CLIENT_HEARTBEAT_MS + 500);
      }
      // Calls made during the stall cannot connect: refused, or out of time.
      for (const call of ws) expect(['UNAVAILABLE', 'DEADLINE_EXCEEDED'], show(call)).toContain(call.outcome);
    } finally {
      server.resume();
    }
  }, 40_000);

  it('killed with SIGKILL and restarted on its port: calls in flight fail with UNAVAILABLE at once, none hangs or runs twice; the clients reconnect, event subscriptions come back, both transports serve again', async () => {
    let killedAt = 0;
    let restartedAt = 0;
    let book: FaultRun['book'] | undefined;
    const eventsBefore = new Map<string, number>();
    const run = await runUnderLoad(clients, ledger, { callers: 6, timeoutMs: 3_000, workMs: 40 }, async (calls) => {
      book = calls;
      killedAt = Date.now();
      await server.kill();
      await server.restart();
      restartedAt = Date.now();
      for (const watch of clients.watches) eventsBefore.set(watch.transport, watch.received);
      await servingAgain(() => book, restartedAt);
      // Subscriptions over SSE and WebSocket are made again on the new process (after their backoff).
      await waitFor(() => (clients.watches.every((w) => w.received > eventsBefore.get(w.transport)!) ? true : undefined), 10_000, 'events on every subscription again');
    }, { tailMs: 500 });
    console.log(describeRun('http and ws kill and restart', run));

    expect(violations(run.summary)).toEqual([]);
    expect(eventViolations(run.events)).toEqual([]);
    for (const transport of ['http', 'ws']) {
      const failed = failures(run, transport);
      expect(failed.length, transport).toBeGreaterThan(0);
      for (const call of failed) {
        expect(call.outcome, show(call)).toBe('UNAVAILABLE');
        // In flight at the kill: at once. Made while it was down: refused at once too (no listener).
        expect(call.endedAt! - Math.max(call.startedAt, killedAt), show(call)).toBeLessThan(1_000);
      }
    }
  }, 40_000);
});
