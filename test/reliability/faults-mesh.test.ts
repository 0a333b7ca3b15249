/**
 * Mesh nodes failing under load: three `accord serve` nodes (m1, m2, m3, `faults` in a worker
 * pool each) in a full mesh, called by a meshClient with mixed traffic (unary calls that are not
 * idempotent and idempotent ones, streams, events). Nodes are killed (SIGKILL) and restarted on
 * their port, and stalled (SIGSTOP, then SIGCONT) so that only heartbeats can notice. Counted on
 * both sides: each call ends exactly once, typed, by its deadline; none that is not idempotent runs
 * twice; each event arrives at most once, in order. (test/mesh/failures.test.ts proves the kill
 * with inline handlers and no streams or events, and the stall without load.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshClientTransport } from 'accord-rpc/mesh';
import { waitFor } from '../nats/processes.js';
import { show, violations } from './support/call-book.js';
import { eventViolations } from './support/event-watch.js';
import { FaultClients } from './support/fault-clients.js';
import { describeRun, holdCalls, runUnderLoad, sleep } from './support/fault-run.js';
import { FaultServer } from './support/fault-servers.js';
import { RunLedger } from './support/run-ledger.js';

const ledger = RunLedger.create();
const nodes: FaultServer[] = [];
let clients: FaultClients;
let mesh: MeshClientTransport;

/** Resolves once the client reaches every node and each serves `faults`. */
async function meshWhole(ms = 10_000): Promise<void> {
  await waitFor(() => (mesh.status().services['faults.v1']?.length === nodes.length ? true : undefined), ms, 'the client to reach every node serving faults');
}

beforeAll(async () => {
  const start = (nodeId: string, seeds: string[] = []) => FaultServer.start({ nodeId, transports: ['mesh'], ledger, meshSeeds: seeds });
  nodes.push(await start('m1'));
  nodes.push(...(await Promise.all([start('m2', [nodes[0]!.meshAddress]), start('m3', [nodes[0]!.meshAddress])])));
  clients = new FaultClients({ mesh: nodes.map((n) => n.meshAddress) }, { events: true });
  mesh = clients.transport<MeshClientTransport>('mesh');
  await mesh.ready('faults', 1);
  await meshWhole();
}, 60_000);

afterAll(async () => {
  await clients?.close();
  await Promise.all(nodes.map((n) => n.stop()));
  ledger.remove();
});

/** Tokens of the calls process `pid` ran. */
const ranIn = (pid: number) => new Set(ledger.byProcess().get(pid) ?? []);

describe('mesh nodes failing under load', () => {
  it('nodes killed with SIGKILL and restarted on their port: calls in flight on them fail at once with UNAVAILABLE naming the node (idempotent ones move to another node), none hangs or runs twice, and the restarted nodes serve again', async () => {
    const [, m2, m3] = nodes as [FaultServer, FaultServer, FaultServer];
    const killedAt = new Map<string, number>();
    const run = await runUnderLoad(clients, ledger, { callers: 8, timeoutMs: 3_000, workMs: 40 }, async () => {
      for (const node of [m2, m3]) {
        killedAt.set(node.nodeId, Date.now());
        await node.kill();
        await sleep(700);
        await node.restart();
        await meshWhole();
      }
    }, { tailMs: 1_500 });
    console.log(describeRun('mesh kill and restart', run));

    expect(violations(run.summary)).toEqual([]);
    expect(eventViolations(run.events)).toEqual([]);
    const failed = run.book.where((r) => r.outcome !== 'ok');
    // The kills hit calls in flight: they failed with UNAVAILABLE, naming the node, at once.
    expect(failed.length).toBeGreaterThan(0);
    for (const call of failed) {
      expect(call.outcome, show(call)).toBe('UNAVAILABLE');
      expect(call.message, show(call)).toMatch(/'m2'|'m3'/);
      const node = /'(m[23])'/.exec(call.message!)![1]!;
      expect(call.endedAt! - killedAt.get(node)!, show(call)).toBeLessThan(1_000);
    }
    // Idempotent calls went to another node instead.
    expect(failed.filter((r) => r.idempotent).map(show)).toEqual([]);
    // The restarted processes (new pids) served calls of the load.
    expect(ranIn(m2.pid).size).toBeGreaterThan(0);
    expect(ranIn(m3.pid).size).toBeGreaterThan(0);
  }, 60_000);

  it('a node stalled with SIGSTOP (only heartbeats can tell): its calls fail with UNAVAILABLE within the heartbeat bound, long before their deadline, none hangs or runs twice, and after SIGCONT it serves again', async () => {
    const m2 = nodes[1]!;
    let stalledAt = 0;
    let resumedAt = 0;
    try {
      const run = await runUnderLoad(clients, ledger, { callers: 8, timeoutMs: 8_000, workMs: 40 }, async (book) => {
        // Long calls spread over the three nodes, so the stalled one surely holds some.
        const held = holdCalls(book, clients.targets[0]!, 6, 3_000, 8_000);
        await sleep(100);
        stalledAt = Date.now();
        m2.stall();
        await sleep(2_500);
        m2.resume();
        resumedAt = Date.now();
        await meshWhole();
        await held;
      }, { tailMs: 1_000 });
      console.log(describeRun('mesh stall', run));

      expect(violations(run.summary)).toEqual([]);
      expect(eventViolations(run.events)).toEqual([]);
      const failed = run.book.where((r) => r.outcome !== 'ok');
      // Some of the six long calls were on m2 (least in flight spreads them): those failed.
      expect(failed.filter((r) => r.startedAt < stalledAt && r.kind === 'charge').length).toBeGreaterThan(0);
      for (const call of failed) {
        expect(call.outcome, show(call)).toBe('UNAVAILABLE');
        expect(call.message, show(call)).toMatch(/'m2'.*did not answer a ping/);
        // Client heartbeat 250 ms: a ping after 250 ms of silence, dropped 250 ms later, plus timer granularity.
        expect(call.endedAt! - stalledAt, show(call)).toBeLessThan(1_500);
      }
      expect(failed.filter((r) => r.idempotent).map(show)).toEqual([]);
      // After SIGCONT it takes calls again.
      const after = new Set(run.book.where((r) => r.startedAt > resumedAt).map((r) => r.token));
      expect([...ranIn(m2.pid)].filter((token) => after.has(token)).length).toBeGreaterThan(0);
    } finally {
      m2.resume();
    }
  }, 60_000);
});
