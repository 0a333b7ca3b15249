/**
 * Where a call for a method the entry node serves itself runs: there, by default (`localFirst`),
 * or, with `localFirst: false`, on whichever of that node and the other nodes serving the method
 * has the fewest calls (balanced once, where the call enters: a call that already made a hop runs
 * where it lands). Calls enter through the node's dispatcher, as every transport's calls do.
 *
 * Topology: `a` (default) and `c` (localFirst: false) both seed `d`; all three serve probe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextCallId } from 'accord-rpc/core';
import { startNode, until, type TestNode } from './harness.js';
import { newProbeLog, probeHandlers } from './fixtures/probe-service.js';

type Answer = { node: string };

/** A `probe.wait` call entering the mesh at `node` (hops: how many mesh hops it made before). */
const wait = (node: TestNode, ms: number, hops = 0) =>
  node.dispatcher.unary({ id: nextCallId(), service: 'probe', version: 1, method: 'wait', input: { ms }, meta: { hops, headers: {} } }) as Promise<Answer>;

const tally = (answers: Answer[]) => answers.reduce<Record<string, number>>((n, a) => ({ ...n, [a.node]: (n[a.node] ?? 0) + 1 }), {});

describe('mesh localFirst', () => {
  const logs = { a: newProbeLog(), c: newProbeLog(), d: newProbeLog() };
  let a: TestNode, c: TestNode, d: TestNode;

  beforeAll(async () => {
    d = await startNode('d', [probeHandlers('d', logs.d)]);
    a = await startNode('a', [probeHandlers('a', logs.a)], { seeds: [d.addr] });
    c = await startNode('c', [probeHandlers('c', logs.c)], { seeds: [d.addr], localFirst: false });
    await until(() => (a.transport.status().services['probe.v1']?.length ?? 0) >= 2 && (c.transport.status().services['probe.v1']?.length ?? 0) >= 2);
  });

  afterAll(async () => {
    await Promise.all([a, c, d].map((n) => n?.stop()));
  });

  it('by default runs all ten slow calls on the node they enter, although another node serves the method', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => wait(a, 150)));
    expect(tally(answers)).toEqual({ a: 10 });
  });

  it('with localFirst: false spreads ten slow calls entering one node over it and the other serving nodes, each run exactly once', async () => {
    const before = { c: logs.c.calls, d: logs.d.calls, a: logs.a.calls };
    const answers = await Promise.all(Array.from({ length: 10 }, () => wait(c, 150)));
    const perNode = tally(answers);
    expect(perNode.c).toBeGreaterThanOrEqual(3);
    expect((perNode.a ?? 0) + (perNode.d ?? 0)).toBeGreaterThanOrEqual(3);
    // Counted in the handlers: ten runs in all, each where its answer says.
    const ran = { c: logs.c.calls - before.c, d: logs.d.calls - before.d, a: logs.a.calls - before.a };
    expect(ran.c + ran.d + ran.a).toBe(10);
    expect(ran).toEqual({ c: perNode.c ?? 0, d: perNode.d ?? 0, a: perNode.a ?? 0 });
  });

  it('with localFirst: false still runs a call that already made a hop where it lands (balanced once)', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => wait(c, 100, 1)));
    expect(tally(answers)).toEqual({ c: 6 });
  });

  it('refuses a localFirst that is not a boolean, naming the option', async () => {
    await expect(startNode('bad', [], { localFirst: 'no' as unknown as boolean })).rejects.toThrow(/localFirst.*must be true or false/);
  });
});
