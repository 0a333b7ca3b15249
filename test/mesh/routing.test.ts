/**
 * Routing over real TCP links between nodes in this process: where calls run, how they are
 * balanced, how contract fingerprints and method kinds keep calls away from incompatible nodes,
 * streams with flow control through a forwarding node, and full-mesh formation from gossip.
 *
 * Topology (shared by the cases): `a` and `b` serve probe; `m` serves nothing and seeds a and b;
 * `x-alt` serves another contract of probe v1 and seeds m. `viaM` is a client that dials only m,
 * so its calls make two mesh hops; `direct` dials a and b.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceFingerprints } from 'accord-rpc/core';
import { FINGERPRINT_HEADER, type MeshClientTransport } from 'accord-rpc/mesh';
import { failure, startClient, startNode, until, type TestNode } from './harness.js';
import { newProbeLog as newLog, probe, probeAlt, probeAltHandlers, probeHandlers } from './fixtures/probe-service.js';
const call = (client: MeshClientTransport, method: string, input: unknown, extra: object = {}) =>
  client.unary({ service: 'probe', version: 1, method, input, metadata: {}, idempotent: false, ...extra }) as Promise<Record<string, unknown>>;

describe('mesh routing', () => {
  const logs = { a: newLog(), b: newLog() };
  let a: TestNode, b: TestNode, m: TestNode, alt: TestNode;
  let viaM: MeshClientTransport, direct: MeshClientTransport;

  beforeAll(async () => {
    a = await startNode('a', [probeHandlers('a', logs.a)]);
    b = await startNode('b', [probeHandlers('b', logs.b)]);
    m = await startNode('m', [], { seeds: [a.addr, b.addr] });
    alt = await startNode('x-alt', [probeAltHandlers('x-alt')], { seeds: [m.addr] });
    viaM = startClient([m.addr], { nodeId: 'via-m', dialDiscovered: false, contracts: [probe] });
    direct = startClient([a.addr, b.addr], { nodeId: 'direct', contracts: [probe] });
    await viaM.ready('probe', 1);
    await direct.ready('probe', 1);
    await until(() => Object.keys(viaM.status().reachable).length === 4 && (direct.status().services['probe.v1']?.length ?? 0) === 3);
  });

  afterAll(async () => {
    await Promise.all([viaM?.close(), direct?.close()]);
    await Promise.all([alt, m, a, b].map((n) => n?.stop()));
  });

  it('runs a call on a node serving the method; the handler sees one hop per mesh node passed and the path', async () => {
    const result = await call(viaM, 'where', {});
    expect(['a', 'b']).toContain(result.node);
    expect(result.hops).toBe(2);
    expect(result.visited).toEqual(['via-m', 'm']);
    expect(viaM.status().reachable[result.node as string]).toEqual({ hops: 2, via: 'm' });
  });

  it('balances by calls in flight: ten slow calls at once split five and five between two nodes', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => call(direct, 'wait', { ms: 200 })));
    const perNode = results.reduce<Record<string, number>>((n, r) => ({ ...n, [r.node as string]: (n[r.node as string] ?? 0) + 1 }), {});
    expect(perNode).toEqual({ a: 5, b: 5 });
  });

  it('never routes to a node whose method fingerprint differs from the expected contract', async () => {
    const nodes = new Set<string>();
    for (let i = 0; i < 30; i++) nodes.add((await call(viaM, 'where', {})).node as string);
    expect([...nodes].sort()).toEqual(['a', 'b']);
    // The drifted node is known and reachable, just never chosen.
    expect(viaM.status().services['probe.v1']?.sort()).toEqual(['a', 'b', 'x-alt']);
  });

  it('answers FAILED_PRECONDITION naming the method and the node when only incompatible nodes serve it', async () => {
    const lonely = await startNode('lonely-alt', [probeAltHandlers('lonely-alt')]);
    const client = startClient([lonely.addr], { contracts: [probe] });
    try {
      await client.ready('probe', 1);
      const started = Date.now();
      const error = await failure(call(client, 'where', {}, { deadline: Date.now() + 10_000 }));
      expect(Date.now() - started).toBeLessThan(250);
      expect(error.code).toBe('FAILED_PRECONDITION');
      expect(error.message).toContain('probe.v1.where');
      expect(error.message).toContain("'lonely-alt'");
    } finally {
      await client.close();
      await lonely.stop();
    }
  });

  it('holds every hop to the fingerprint the caller sent: the forwarding node routes only to nodes with it', async () => {
    const altWhere = serviceFingerprints(probeAlt).methods.where!;
    const nodes = new Set<string>();
    for (let i = 0; i < 10; i++) nodes.add((await call(viaM, 'where', {}, { metadata: { [FINGERPRINT_HEADER]: altWhere } })).node as string);
    expect([...nodes]).toEqual(['x-alt']);
    const error = await failure(call(viaM, 'where', {}, { metadata: { [FINGERPRINT_HEADER]: 'f'.repeat(64) } }));
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain('ffffffffffff');
  });

  it('never sends a stream call to a node that serves the method as unary', async () => {
    const nodes = new Set<string>();
    for (let i = 0; i < 10; i++) {
      for await (const item of direct.stream({ service: 'probe', version: 1, method: 'count', input: { to: 1 }, metadata: {}, idempotent: false })) {
        nodes.add((item as { node: string }).node);
      }
    }
    expect([...nodes].sort()).toEqual(['a', 'b']);
  });

  it('streams through a forwarding node with credit end to end: an idle consumer pauses the generator', async () => {
    const before = logs.a.yielded + logs.b.yielded;
    const finishedBefore = logs.a.streamsFinished + logs.b.streamsFinished;
    const iterator = viaM.stream({ service: 'probe', version: 1, method: 'count', input: { to: 100_000 }, metadata: {}, idempotent: false })[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ n: 1 });
    await new Promise((r) => setTimeout(r, 300));
    const produced = logs.a.yielded + logs.b.yielded - before;
    // The client's window (32) plus the forwarding node's (32), not the 100,000 asked for.
    expect(produced).toBeLessThanOrEqual(70);
    await iterator.return!();
    await until(() => logs.a.streamsFinished + logs.b.streamsFinished > finishedBefore);
  });

  it('fails at once, long before the deadline, with UNIMPLEMENTED naming the method or service no reachable node serves', async () => {
    const deadline = { deadline: Date.now() + 10_000 };
    const unknown = [
      () => call(viaM, 'nope', {}, deadline),
      () => viaM.unary({ service: 'nowhere', version: 1, method: 'x', input: {}, metadata: {}, idempotent: false, ...deadline }),
      // entering at the forwarding node's dispatcher, as an HTTP call to it would
      () => m.dispatcher.unary({ id: 'u1', service: 'probe', version: 1, method: 'nope', input: {}, meta: { hops: 0, headers: {}, ...deadline } }),
    ];
    for (const [i, attempt] of unknown.entries()) {
      const started = Date.now();
      const error = await failure(attempt());
      expect(Date.now() - started, `attempt ${i}`).toBeLessThan(250);
      expect(error.code).toBe('UNIMPLEMENTED');
      // The dispatcher's own message (attempt 2) names the service; the mesh's name the method.
      expect(error.message).toMatch([/probe\.v1\.nope/, /nowhere\.v1\.x/, /probe/][i]!);
    }
  });

  it('skips nodes the call already visited, and says so when none is left', async () => {
    const error = await failure(call(direct, 'where', {}, { visited: ['a', 'b'] }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/already visited/);
  });

  it('forms a full mesh from gossip: a node dials the nodes its seed told it of', async () => {
    const late = await startNode('late', [], { seeds: [m.addr] });
    try {
      await until(() => ['a', 'b', 'm', 'x-alt'].every((id) => late.transport.status().reachable[id]?.hops === 1), 5_000, 'late links to every listening node');
      expect(late.transport.status().links.map((l) => l.peer).sort()).toEqual(expect.arrayContaining(['a', 'b', 'm', 'x-alt']));
    } finally {
      await late.stop();
    }
  });
});
