/**
 * Failures with real processes: mesh nodes in child processes (fixtures/node-process.ts) killed
 * with SIGKILL, stopped with SIGTERM or frozen with SIGSTOP, by PID, while a client in this process
 * has calls in flight to them. Calls over a dead link fail at once with UNAVAILABLE (idempotent
 * ones go to the other node instead), routes are recomputed, the client redials, and a graceful
 * stop lets calls in flight finish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccordError, OutgoingCall } from 'accord-rpc/core';
import type { MeshClientTransport } from 'accord-rpc/mesh';
import { sleep, spawnNode, startClient, until, type NodeProcess } from './harness.js';

type Outcome = { node?: string; error?: AccordError; at: number };

/** How many times each `record` token ran, from the nodes' output (`RAN <token>` lines). */
function tokensRun(...outputs: string[]): Map<string, number> {
  const ran = new Map<string, number>();
  for (const output of outputs) for (const [, token] of output.matchAll(/^RAN (\S+)$/gm)) ran.set(token!, (ran.get(token!) ?? 0) + 1);
  return ran;
}

describe('mesh failures', () => {
  let p1: NodeProcess, p2: NodeProcess;
  let p1Port: number;
  let client: MeshClientTransport;
  const started: NodeProcess[] = [];
  const controllers: AbortController[] = [];

  /** A probe call, settled as where it ran or how it failed, and when. */
  const call = (method: string, input: unknown, idempotent: boolean, extra: Partial<OutgoingCall> = {}): Promise<Outcome> =>
    client.unary({ service: 'probe', version: 1, method, input, metadata: {}, idempotent, deadline: Date.now() + 30_000, ...extra })
      .then((out) => ({ node: (out as { node: string }).node, at: Date.now() }), (error: AccordError) => ({ error, at: Date.now() }));
  /** A `wait` call the test can abort; `visited` keeps it away from the nodes listed. */
  const wait = (ms: number, visited?: string[]): Promise<Outcome> => {
    const controller = new AbortController();
    controllers.push(controller);
    return call('wait', { ms }, false, { signal: controller.signal, visited });
  };
  const where = async () => ((await client.unary({ service: 'probe', version: 1, method: 'where', input: {}, metadata: {}, idempotent: false })) as { node: string }).node;
  const spawn = async (config: Parameters<typeof spawnNode>[0]) => {
    const node = await spawnNode(config);
    started.push(node);
    return node;
  };

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

  it('under load, a node killed with SIGKILL: its calls in flight fail with UNAVAILABLE within a second, idempotent calls succeed on the other node, non-idempotent ones ran at most once, none hangs', async () => {
    type Call = { idempotent: boolean; token?: string; settled?: Outcome };
    const calls: Array<Promise<Call>> = [];
    let next = 0;
    /** Idempotent `wait`, or non-idempotent `record` with a token of its own. */
    const start = (idempotent: boolean, ms: number): Promise<Call> => {
      const entry: Call = { idempotent, token: idempotent ? undefined : `t${next++}` };
      // `wait` and `where` are idempotent in the contract, `record` is not; the caller says so as a generated client does.
      const sent = idempotent ? call('wait', { ms }, true) : call('record', { token: entry.token, ms }, false);
      const done = sent.then((settled) => ({ ...entry, settled }));
      calls.push(Promise.race([done, sleep(8_000).then(() => entry)])); // not settled by then: hung
      return done;
    };
    // Long calls on both nodes when p1 dies: least-in-flight puts two of each kind on each node...
    for (let i = 0; i < 4; i++) void start(false, 700);
    for (let i = 0; i < 4; i++) void start(true, 700);
    await until(() => client.status().routedInFlight === 8);
    // ...and 16 callers making short calls, half of them idempotent, before and after the kill.
    let loading = true;
    const loops = Array.from({ length: 16 }, async (_, i) => {
      while (loading) await start(i % 2 === 0, 5);
    });
    await sleep(300);
    const killedAt = Date.now();
    p1.kill();
    await sleep(700);
    loading = false;
    await Promise.all(loops);
    const outcomes = await Promise.all(calls);
    const ran = tokensRun(p1.output(), p2.output());

    expect(outcomes.filter((c) => !c.settled), 'hung calls').toEqual([]);
    const failed = outcomes.filter((c) => c.settled!.error);
    for (const call of failed) {
      expect(call.idempotent, 'only non-idempotent calls fail').toBe(false);
      expect(call.settled!.error!.code).toBe('UNAVAILABLE');
      expect(call.settled!.error!.message).toContain("'p1'");
      expect(call.settled!.at - killedAt).toBeLessThan(1_000);
      expect(ran.get(call.token!) ?? 0, `failed call ${call.token} ran at most once`).toBeLessThanOrEqual(1);
    }
    // Two of the long non-idempotent calls were on p1: they failed; p2's two finished.
    expect(failed.length).toBeGreaterThanOrEqual(2);
    for (const call of outcomes.filter((c) => !c.settled!.error)) {
      if (call.token) expect(ran.get(call.token), `call ${call.token} ran exactly once`).toBe(1);
    }
    expect(Math.max(...ran.values())).toBe(1);
    expect(outcomes.filter((c) => c.idempotent && c.settled!.node === 'p2').length).toBeGreaterThan(100);
    await until(() => client.status().reachable.p1 === undefined);
    for (let i = 0; i < 5; i++) expect(await where()).toBe('p2');
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
