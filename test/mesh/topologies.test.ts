/**
 * Calls across mesh topologies, every node in this process over real TCP on 127.0.0.1: a line
 * (A–B–C), a triangle, a ring of five, and two nodes serving one method reached directly and
 * through a forwarding node. Each call enters at a node's dispatcher (as an HTTP or WebSocket call
 * would) or a meshClient, and the handlers count the calls they run: every call runs exactly once,
 * on a node that serves it, by the shortest path, and where two nodes serve a method the one with
 * fewer calls in flight gets the next call, at the caller and at a forwarding node alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextCallId } from 'accord-rpc/core';
import type { MeshClientTransport } from 'accord-rpc/mesh';
import { startClient, startNode, until, type TestNode } from './harness.js';
import { newProbeLog, probeHandlers, type ProbeLog } from './fixtures/probe-service.js';

type Where = { node: string; hops: number; visited: string[] };

/** `probe.where` entering the mesh at `node`'s dispatcher. */
const whereVia = (node: TestNode) =>
  node.dispatcher.unary({ id: nextCallId(), service: 'probe', version: 1, method: 'where', input: {}, meta: { hops: 0, headers: {} } }) as Promise<Where>;

/** Nodes in this process, stopped together. */
function topology() {
  const nodes: TestNode[] = [];
  const logs: Record<string, ProbeLog> = {};
  return {
    logs,
    async node(id: string, serves: boolean, seeds: TestNode[] = [], dialDiscovered = true): Promise<TestNode> {
      logs[id] = newProbeLog();
      const node = await startNode(id, serves ? [probeHandlers(id, logs[id])] : [], { seeds: seeds.map((s) => s.addr), dialDiscovered });
      nodes.push(node);
      return node;
    },
    /** Waits until every node reaches every other, `hops[id]` away from `from` where given. */
    async linked(from: TestNode, hops: Record<string, number>): Promise<void> {
      const all = () => nodes.every((n) => Object.keys(n.transport.status().reachable).length === nodes.length - 1);
      await until(() => all() && Object.entries(hops).every(([id, h]) => from.transport.status().reachable[id]?.hops === h), 5_000, 'the topology formed');
    },
    calls: () => Object.values(logs).reduce((sum, log) => sum + log.calls, 0),
    stop: () => Promise.all(nodes.map((n) => n.stop())),
  };
}

/** Runs `body` on a fresh topology, and stops its nodes however it ends. */
async function inTopology(body: (t: ReturnType<typeof topology>) => Promise<void>): Promise<void> {
  const t = topology();
  try {
    await body(t);
  } finally {
    await t.stop();
  }
}

describe('mesh topologies: each call runs exactly once', () => {
  it('a line A–B–C: A calls C’s service through B, 40 calls, 40 runs, all on C', () =>
    inTopology(async (t) => {
      const b = await t.node('line-b', false);
      await t.node('line-c', true, [b], false);
      const a = await t.node('line-a', false, [b], false);
      await t.linked(a, { 'line-b': 1, 'line-c': 2 });
      const sequential: Where[] = [];
      for (let i = 0; i < 20; i++) sequential.push(await whereVia(a));
      const concurrent = await Promise.all(Array.from({ length: 20 }, () => whereVia(a)));
      for (const result of [...sequential, ...concurrent]) expect(result).toEqual({ node: 'line-c', hops: 2, visited: ['line-a', 'line-b'] });
      expect(t.logs['line-c']!.calls).toBe(40);
    }));

  it('a triangle: calls entering at any node run once each, on the nodes serving them', () =>
    inTopology(async (t) => {
      const t1 = await t.node('tri-1', false);
      const t2 = await t.node('tri-2', true, [t1]);
      const t3 = await t.node('tri-3', true, [t2]);
      await t.linked(t1, { 'tri-2': 1, 'tri-3': 1 });
      await until(() => t3.transport.status().reachable['tri-1']?.hops === 1);
      const results = await Promise.all([t1, t2, t3].flatMap((entry) => Array.from({ length: 10 }, () => whereVia(entry))));
      // t2 and t3 serve it themselves; t1 spreads its calls over both.
      expect(results.filter((r) => r.node === 'tri-2' && r.hops === 0)).toHaveLength(10);
      expect(results.filter((r) => r.node === 'tri-3' && r.hops === 0)).toHaveLength(10);
      expect(results.filter((r) => r.hops === 1).map((r) => r.visited)).toEqual(Array.from({ length: 10 }, () => ['tri-1']));
      expect(t.calls()).toBe(30);
    }));

  it('a ring of five: calls from every node reach the one serving node by the shorter way round, once each', () =>
    inTopology(async (t) => {
      // Each node dials the one before it, and ring-5 dials ring-1 too: a ring (nobody dials what gossip tells it).
      const r1 = await t.node('ring-1', false);
      const r2 = await t.node('ring-2', false, [r1], false);
      const r3 = await t.node('ring-3', true, [r2], false);
      const r4 = await t.node('ring-4', false, [r3], false);
      const r5 = await t.node('ring-5', false, [r4, r1], false);
      await t.linked(r1, { 'ring-3': 2, 'ring-4': 2, 'ring-5': 1 });
      expect(r1.transport.status().links.map((l) => l.peer).sort()).toEqual(['ring-2', 'ring-5']);
      const entries = [r1, r2, r4, r5];
      const results = await Promise.all(entries.flatMap((entry) => Array.from({ length: 10 }, () => whereVia(entry))));
      expect(results.every((r) => r.node === 'ring-3')).toBe(true);
      const paths = new Set(results.map((r) => r.visited.join(' → ')));
      expect([...paths].sort()).toEqual(['ring-1 → ring-2', 'ring-2', 'ring-4', 'ring-5 → ring-4']);
      expect(t.logs['ring-3']!.calls).toBe(40);
    }));
});

describe('mesh topologies: balancing by calls in flight', () => {
  const t = topology();
  let s1: TestNode, s2: TestNode;
  let direct: MeshClientTransport, viaForwarder: MeshClientTransport;
  const wait = (client: MeshClientTransport, ms: number, visited?: string[]) =>
    client.unary({ service: 'probe', version: 1, method: 'wait', input: { ms }, metadata: {}, idempotent: true, visited }) as Promise<{ node: string }>;
  const tally = (results: Array<{ node: string }>) => results.reduce<Record<string, number>>((n, r) => ({ ...n, [r.node]: (n[r.node] ?? 0) + 1 }), {});

  beforeAll(async () => {
    s1 = await t.node('bal-s1', true);
    s2 = await t.node('bal-s2', true);
    const forwarder = await t.node('bal-fwd', false, [s1, s2]);
    direct = startClient([s1.addr, s2.addr], { nodeId: 'bal-direct' });
    viaForwarder = startClient([forwarder.addr], { nodeId: 'bal-via', dialDiscovered: false });
    await direct.ready('probe', 1);
    await viaForwarder.ready('probe', 1);
    await until(() => viaForwarder.status().services['probe.v1']?.length === 2 && direct.status().services['probe.v1']?.length === 2);
  });

  afterAll(async () => {
    await Promise.all([direct?.close(), viaForwarder?.close()]);
    await t.stop();
  });

  /**
   * Three long calls are held on s1 (their visited list rules s2 out); of six more sent at once,
   * the first three go to s2 (0 in flight against 3), the rest split by ties: s2 gets 4 or 5.
   * Round robin would give 3 and 3; random, anything; "always the first" would give s2 none.
   */
  async function expectLeastInFlight(client: MeshClientTransport): Promise<void> {
    const before = t.calls();
    const held = Array.from({ length: 3 }, () => wait(client, 600, ['bal-s2']));
    await until(() => s1.transport.status().links.reduce((n, l) => n + l.incoming, 0) === 3, 3_000, 's1 runs the three held calls');
    const spread = tally(await Promise.all(Array.from({ length: 6 }, () => wait(client, 100))));
    expect(spread['bal-s2']).toBeGreaterThanOrEqual(4);
    expect(spread['bal-s2']).toBeLessThanOrEqual(5);
    expect(spread['bal-s1']).toBe(6 - spread['bal-s2']!);
    expect(tally(await Promise.all(held))).toEqual({ 'bal-s1': 3 });
    expect(t.calls() - before, 'calls run: each once').toBe(9);
  }

  it('two nodes serving one method: the caller sends each call to the one with fewer of its calls in flight', async () => {
    expect(tally(await Promise.all(Array.from({ length: 10 }, () => wait(direct, 200))))).toEqual({ 'bal-s1': 5, 'bal-s2': 5 });
    await expectLeastInFlight(direct);
  });

  it('a forwarding node balances the calls it forwards the same way', async () => {
    expect(tally(await Promise.all(Array.from({ length: 10 }, () => wait(viaForwarder, 200))))).toEqual({ 'bal-s1': 5, 'bal-s2': 5 });
    await expectLeastInFlight(viaForwarder);
  });
});
