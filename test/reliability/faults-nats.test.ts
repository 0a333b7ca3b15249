/**
 * NATS failing under load: two `accord serve` processes (`faults` in a worker pool each) in one
 * queue group, called by a natsClient with mixed traffic (unary calls that are not idempotent and
 * idempotent ones, streams, events). nats-server is restarted; one node of a 3-node cluster is
 * killed; a serving process is stalled (SIGSTOP, then SIGCONT), which only heartbeats can notice.
 * Counted on both sides: each call ends exactly once, typed, by its deadline; none that is not
 * idempotent runs twice; each event arrives at most once, in order. (test/nats/faults.test.ts
 * proves the restart and the cluster kill for idempotent calls alone, and a SIGKILL'd server.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, startNatsServer, type NatsCluster, type NatsServer } from '../support/nats-server.js';
import { waitFor } from '../nats/processes.js';
import { show, violations, type CallBook } from './support/call-book.js';
import { eventViolations } from './support/event-watch.js';
import { FaultClients } from './support/fault-clients.js';
import { describeRun, holdCalls, runUnderLoad, sleep, type FaultRun } from './support/fault-run.js';
import { FaultServer } from './support/fault-servers.js';
import { RunLedger } from './support/run-ledger.js';

/** The processes and client of one NATS deployment, each process given its server list. */
interface Deployment {
  ledger: RunLedger;
  servers: FaultServer[];
  clients: FaultClients;
}

async function deploy(serverLists: string[][], clientServers: string[]): Promise<Deployment> {
  const ledger = RunLedger.create();
  const servers = await Promise.all(serverLists.map((natsServers, i) => FaultServer.start({ nodeId: `n${i + 1}`, transports: ['nats'], ledger, natsServers })));
  const clients = new FaultClients({ nats: clientServers }, { events: true });
  // Wait until both processes take calls (discovery, queue group), before any fault.
  await sleep(300);
  return { ledger, servers, clients };
}

async function undeploy(d: Deployment | undefined): Promise<void> {
  await d?.clients.close();
  await Promise.all(d?.servers.map((s) => s.stop()) ?? []);
  d?.ledger.remove();
}

/** The invariants, and the failures allowed while NATS itself fails: UNAVAILABLE, or a deadline while reconnecting. */
function expectCleanRun(run: FaultRun): void {
  expect(violations(run.summary)).toEqual([]);
  expect(eventViolations(run.events)).toEqual([]);
  for (const call of run.book.where((r) => r.outcome !== 'ok')) expect(['UNAVAILABLE', 'DEADLINE_EXCEEDED'], show(call)).toContain(call.outcome);
  // Traffic flows again after the fault.
  expect(run.book.where((r) => r.outcome === 'ok' && r.startedAt > run.faultsOverAt + 500).length).toBeGreaterThan(20);
}

const LOAD = { callers: 8, timeoutMs: 3_000, workMs: 40 };

describe('a NATS deployment failing under load', () => {
  let nats: NatsServer;
  let d: Deployment;
  beforeAll(async () => {
    nats = await startNatsServer();
    d = await deploy([[nats.url], [nats.url]], [nats.url]);
  }, 60_000);
  afterAll(async () => {
    await undeploy(d);
    await nats?.stop();
  });

  it('nats-server killed and restarted on its port: every call ends once, typed (UNAVAILABLE, or DEADLINE_EXCEEDED while reconnecting), by its deadline; none that is not idempotent runs twice; traffic resumes', async () => {
    const run = await runUnderLoad(d.clients, d.ledger, LOAD, () => nats.restart(), { tailMs: 2_000 });
    console.log(describeRun('nats-server restart', run));
    expectCleanRun(run);
    expect(run.book.where((r) => r.outcome === 'UNAVAILABLE').length).toBeGreaterThan(0);
  }, 60_000);

  it('a serving process stalled with SIGSTOP (only heartbeats can tell): calls it holds fail with UNAVAILABLE within the heartbeat bound, long before their deadline; none hangs or runs twice; after SIGCONT it serves again', async () => {
    const stalled = d.servers[0]!;
    let stalledAt = 0;
    let resumedAt = 0;
    let servingAgainMs = 0;
    let book: CallBook | undefined;
    /** Whether the stalled process ran a call of the load that started after `at`. */
    const ranSince = (at: number) => {
      const tokens = new Set(book!.where((r) => r.startedAt > at).map((r) => r.token));
      return (d.ledger.byProcess().get(stalled.pid) ?? []).some((token) => tokens.has(token));
    };
    try {
      // Streams included: the resumed process reads stream requests and their callers' cancels in
      // one turn (which once crashed it: test/pool/calls.test.ts › streams cancelled as they start).
      const run = await runUnderLoad(d.clients, d.ledger, { ...LOAD, timeoutMs: 8_000 }, async (calls) => {
        book = calls;
        // Long calls the queue group spreads over both processes, so the stalled one surely holds some.
        const held = holdCalls(calls, d.clients.targets[0]!, 10, 3_000, 8_000);
        await sleep(100);
        stalledAt = Date.now();
        stalled.stall();
        await sleep(2_500);
        stalled.resume();
        resumedAt = Date.now();
        // It takes calls again (once the client's circuit, opened by the silent calls, lets them through).
        await waitFor(() => (ranSince(resumedAt) ? true : undefined), 10_000, 'the resumed process to run a call');
        servingAgainMs = Date.now() - resumedAt;
        await held;
      }, { tailMs: 1_000 });
      const failed = run.book.where((r) => r.outcome !== 'ok' && !r.refused);
      console.log(`${describeRun('nats stall', run)}; serving again ${servingAgainMs} ms after SIGCONT`);
      expect(violations(run.summary)).toEqual([]);
      expect(eventViolations(run.events)).toEqual([]);
      // Some of the long calls were on the stalled process: those failed.
      expect(failed.filter((r) => r.startedAt < stalledAt && r.kind === 'charge').length).toBeGreaterThan(0);
      for (const call of failed) {
        expect(call.outcome, show(call)).toBe('UNAVAILABLE');
        // Heartbeats of 250 ms, 3 missed: silence is noticed within about 750 ms of the stall or the call's start.
        expect(call.endedAt! - Math.max(call.startedAt, stalledAt), show(call)).toBeLessThan(2_000);
      }
      // It survived the backlog it read on waking (requests and their cancels in one turn).
      expect(d.servers.map((s) => s.alive)).toEqual([true, true]);
    } finally {
      stalled.resume();
    }
  }, 60_000);
});

describe('a 3-node NATS cluster losing a node under load', () => {
  let cluster: NatsCluster;
  let d: Deployment;
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    const [n0, n1, n2] = cluster.urls as [string, string, string];
    // One process and the client start on the node that dies; the other process elsewhere.
    d = await deploy([[n1, n0, n2], [n2, n0, n1]], [n1, n0, n2]);
  }, 60_000);
  afterAll(async () => {
    await undeploy(d);
    await cluster?.stop();
  });

  it('one node killed: every call ends once, typed, by its deadline; none that is not idempotent runs twice; both processes serve again through the other nodes', async () => {
    let killedAt = 0;
    const run = await runUnderLoad(d.clients, d.ledger, LOAD, async () => {
      killedAt = Date.now();
      await cluster.servers[1]!.kill();
    }, { tailMs: 2_500 });
    console.log(describeRun('nats cluster node kill', run));
    expectCleanRun(run);
    const after = new Set(run.book.where((r) => r.startedAt > killedAt + 1_000).map((r) => r.token));
    for (const server of d.servers) {
      expect((d.ledger.byProcess().get(server.pid) ?? []).filter((token) => after.has(token)).length, server.nodeId).toBeGreaterThan(0);
    }
  }, 60_000);
});
