/**
 * Failures with real processes: mesh nodes in child processes (fixtures/node-process.ts) killed
 * with SIGKILL, stopped with SIGTERM or frozen with SIGSTOP, by PID, while a client in this process
 * has calls in flight to them. Calls over a dead link fail at once with UNAVAILABLE, routes are
 * recomputed, the client redials with backoff, and a graceful stop lets calls in flight finish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccordError } from 'accord-rpc/core';
import type { MeshClientTransport } from 'accord-rpc/mesh';
import { sleep, spawnNode, startClient, until, type NodeProcess } from './harness.js';

type Outcome = { node?: string; error?: AccordError; at: number };

describe('mesh failures', () => {
  let p1: NodeProcess, p2: NodeProcess;
  let p1Port: number;
  let client: MeshClientTransport;
  const started: NodeProcess[] = [];
  const controllers: AbortController[] = [];

  /** A `wait` call; `visited` keeps it away from the nodes listed. */
  const wait = (ms: number, visited?: string[]): Promise<Outcome> => {
    const controller = new AbortController();
    controllers.push(controller);
    return client.unary({ service: 'probe', version: 1, method: 'wait', input: { ms }, metadata: {}, idempotent: false, deadline: Date.now() + 30_000, signal: controller.signal, visited })
      .then((out) => ({ node: (out as { node: string }).node, at: Date.now() }), (error: AccordError) => ({ error, at: Date.now() }));
  };
  const where = async () => ((await client.unary({ service: 'probe', version: 1, method: 'where', input: {}, metadata: {}, idempotent: false })) as { node: string }).node;
  const spawn = async (config: Parameters<typeof spawnNode>[0]) => {
    const node = await spawnNode(config);
    started.push(node);
    return node;
  };
  /** What has settled of `pending` so far. */
  const settledOf = async (pending: Promise<Outcome>[]) =>
    (await Promise.all(pending.map((p) => Promise.race([p, sleep(50).then(() => undefined)])))).filter((o): o is Outcome => o !== undefined);

  beforeAll(async () => {
    p1 = await spawn({ id: 'p1' });
    p1Port = p1.port;
    p2 = await spawn({ id: 'p2', seeds: [`127.0.0.1:${p1Port}`] });
    client = startClient([`127.0.0.1:${p1Port}`, `127.0.0.1:${p2.port}`], { nodeId: 'watcher', heartbeatIntervalMs: 300 });
    await client.ready('probe', 1);
    await until(() => client.status().services['probe.v1']?.length === 2);
  }, 60_000);

  afterAll(async () => {
    for (const c of controllers) c.abort();
    await client?.close();
    for (const node of started) {
      if (node.child.exitCode === null && node.child.signalCode === null) process.kill(node.child.pid!, 'SIGCONT');
      node.kill();
    }
  });

  it('fails every call in flight to a node killed with SIGKILL at once with UNAVAILABLE, and routes new calls to the node left', async () => {
    const pending = Array.from({ length: 6 }, () => wait(20_000));
    await until(() => client.status().routedInFlight === 6);
    const killedAt = Date.now();
    p1.kill();
    await until(() => client.status().routedInFlight === 3, 3_000, 'the three calls to p1 ended');
    const failed = await settledOf(pending);
    expect(failed).toHaveLength(3);
    for (const outcome of failed) {
      expect(outcome.error?.code).toBe('UNAVAILABLE');
      expect(outcome.error?.message).toContain("'p1'");
      expect(outcome.at - killedAt).toBeLessThan(2_000);
    }
    await until(() => client.status().reachable.p1 === undefined);
    for (let i = 0; i < 5; i++) expect(await where()).toBe('p2');
    for (const c of controllers) c.abort();
    expect((await Promise.all(pending)).filter((o) => o.error?.code === 'CANCELLED')).toHaveLength(3);
  });

  it('redials a seed with backoff when its node comes back on the same address, and routes to it again', async () => {
    p1 = await spawn({ id: 'p1', port: p1Port });
    await until(() => client.status().reachable.p1?.hops === 1, 10_000, 'the client linked to p1 again');
    const nodes = new Set<string>();
    for (let i = 0; i < 20 && nodes.size < 2; i++) nodes.add(await where());
    expect([...nodes].sort()).toEqual(['p1', 'p2']);
  });

  it('lets calls in flight finish on a node stopping gracefully (SIGTERM), and routes new calls around it', async () => {
    const inFlight = wait(800, ['p1']); // kept away from p1: it runs on p2
    // Sent, and given time to arrive: a call still on the wire when p2 starts draining is refused instead.
    await until(() => client.status().links.find((l) => l.peer === 'p2')?.buffered === 0);
    await sleep(200);
    process.kill(p2.child.pid!, 'SIGTERM');
    await until(() => client.status().reachable.p2 === undefined, 3_000, 'the client stopped routing to p2');
    for (let i = 0; i < 5; i++) expect(await where()).toBe('p1');
    const outcome = await inFlight;
    expect(outcome.error).toBeUndefined();
    expect(outcome.node).toBe('p2');
    expect(await p2.exited).toBe(0);
    expect(p2.output()).toContain('MESH_STOPPED');
  });

  it('drops a frozen node (SIGSTOP) after missed heartbeats: its calls fail with UNAVAILABLE long before their deadline', async () => {
    const pending = [wait(20_000), wait(20_000)];
    await until(() => client.status().routedInFlight === 2);
    const frozenAt = Date.now();
    process.kill(p1.child.pid!, 'SIGSTOP');
    const outcomes = await Promise.all(pending);
    for (const outcome of outcomes) {
      expect(outcome.error?.code).toBe('UNAVAILABLE');
      expect(outcome.error?.message).toMatch(/did not answer a ping/);
      expect(outcome.at - frozenAt).toBeLessThan(3_000);
    }
    process.kill(p1.child.pid!, 'SIGCONT');
  });
});
