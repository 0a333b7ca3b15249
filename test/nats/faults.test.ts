/**
 * Faults over NATS, every one bounded in time, with real processes stopped by PID: the process
 * serving a call is killed mid-call; nats-server is restarted under load; one node of a 3-node
 * cluster is killed under load; a server starts while NATS is down. Calls are counted as they are
 * issued and as they settle: none may hang, and every failure is a typed AccordError.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccordError, Dispatcher, type OutgoingCall } from 'accord-rpc/core';
import type { ClientTransport } from 'accord-rpc/client';
import { natsClient, natsTransport, type NatsClientTransport } from 'accord-rpc/nats';
import { MathV1Client } from '../../generated/math/client.js';
import { mathService } from '../../examples/handlers/math.js';
import { spawnTsx } from '../server/child-process.js';
import { startNatsCluster, startNatsServer, type NatsCluster, type NatsServer } from '../support/nats-server.js';
import { callLogs, logFolder, removeFolder, serveOverNats, waitFor, type AccordProcess } from './processes.js';

const RETRY = { retries: 8, initialDelayMs: 50, maxDelayMs: 400 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything a test started, stopped by PID afterwards whatever happened. */
const started: { processes: AccordProcess[]; nats: Array<NatsServer | NatsCluster>; clients: NatsClientTransport[]; dirs: string[] } = { processes: [], nats: [], clients: [], dirs: [] };
afterEach(async () => {
  await Promise.all(started.clients.splice(0).map((c) => c.close()));
  await Promise.all(started.processes.splice(0).map((p) => p.kill()));
  await Promise.all(started.nats.splice(0).map((n) => n.stop()));
  for (const dir of started.dirs.splice(0)) removeFolder(dir);
});

function client(servers: string[], heartbeatMs = 250): NatsClientTransport {
  const c = natsClient({ servers, heartbeatMs, reconnectTimeWait: 200, reconnectJitter: 50, noRandomize: true });
  started.clients.push(c);
  return c;
}

/** A transport that records how each attempt of a call ended (the generated client retries above it). */
function recording(inner: ClientTransport, attempts: Array<{ code: string; message: string } | 'ok'>): ClientTransport {
  return {
    unary: (call: OutgoingCall) => inner.unary(call).then(
      (output) => { attempts.push('ok'); return output; },
      (error: AccordError) => { attempts.push({ code: error.code, message: error.message }); throw error; },
    ),
    stream: (call) => inner.stream(call),
  };
}

interface Load {
  issued: number;
  outcomes: Array<{ ok: boolean; code?: string; at: number }>;
  /** How each attempt ended, retries included: proof the fault hit calls in flight. */
  attempts: Array<{ code: string; message: string } | 'ok'>;
}

/** 16 loops of idempotent math.add calls (5 s deadline, retried) around `fault`; resolves once every call settled. */
async function underLoad(transport: ClientTransport, fault: () => Promise<void>, afterMs = 1_500): Promise<Load & { faultDoneAt: number }> {
  const load: Load = { issued: 0, outcomes: [], attempts: [] };
  const math = new MathV1Client(recording(transport, load.attempts));
  let running = true;
  const loop = async (w: number) => {
    for (let i = 0; running; i++) {
      load.issued++;
      try {
        const { sum } = await math.add({ a: w, b: i }, { timeoutMs: 5_000, retry: RETRY });
        load.outcomes.push({ ok: sum === w + i, at: Date.now() });
      } catch (error) {
        load.outcomes.push({ ok: false, code: error instanceof AccordError ? error.code : `untyped: ${String(error)}`, at: Date.now() });
      }
    }
  };
  const loops = Array.from({ length: 16 }, (_, w) => loop(w));
  await sleep(500);
  await fault();
  const faultDoneAt = Date.now();
  await sleep(afterMs);
  running = false;
  // Every call has a 5 s deadline: all must settle well within this bound, or some call hung.
  const settled = await Promise.race([Promise.all(loops).then(() => true), sleep(12_000).then(() => false)]);
  expect(settled, `${load.issued - load.outcomes.length} call(s) hung`).toBe(true);
  return { ...load, faultDoneAt };
}

function expectNoHungCalls(load: Load & { faultDoneAt: number }): void {
  expect(load.outcomes).toHaveLength(load.issued);
  for (const o of load.outcomes) if (!o.ok) expect(['UNAVAILABLE', 'DEADLINE_EXCEEDED']).toContain(o.code);
  expect(load.attempts.filter((a) => a !== 'ok' && a.code === 'UNAVAILABLE').length).toBeGreaterThan(0);
  // Traffic goes on after the fault.
  expect(load.outcomes.filter((o) => o.ok && o.at > load.faultDoneAt + 200).length).toBeGreaterThan(50);
}

describe('faults over NATS', () => {
  it('killing the process serving a call (SIGKILL): the caller gets UNAVAILABLE within the heartbeat bound, far before the deadline, and the idempotent call then succeeds on the other process', async () => {
    const nats = await startNatsServer();
    started.nats.push(nats);
    const logDir = logFolder();
    started.dirs.push(logDir);
    const [a, b] = await Promise.all(['kill-a', 'kill-b'].map((id) => serveOverNats([nats.url], id, logDir)));
    started.processes.push(a, b);
    const attempts: Array<{ code: string; message: string } | 'ok'> = [];
    const math = new MathV1Client(recording(client([nats.url]), attempts));

    const begun = Date.now();
    // fib(45) is slow in whichever process gets it first (the fixture), fast everywhere after.
    const call = math.fib({ n: 45 }, { timeoutMs: 30_000, retry: RETRY });
    const slowPid = await waitFor(() => [...callLogs(logDir)].find(([, lines]) => lines.includes('slow-45'))?.[0], 10_000, 'the slow call to start');
    const [victim, survivor] = slowPid === a.pid ? [a, b] : [b, a];
    const killedAt = Date.now();
    await victim.kill();

    expect(await call).toEqual({ value: survivor.pid });
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(3 * 250 + 1_500);
    expect(Date.now() - begun).toBeLessThan(10_000);
    expect(attempts[0]).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/went silent/) });
    expect(attempts[attempts.length - 1]).toBe('ok');
  });

  it('restarting nats-server under load: clients and servers reconnect, no call hangs, calls succeed again after it', async () => {
    const nats = await startNatsServer();
    started.nats.push(nats);
    const logDir = logFolder();
    started.dirs.push(logDir);
    started.processes.push(await serveOverNats([nats.url], 'restart-a', logDir));
    const load = await underLoad(client([nats.url]), () => nats.restart(), 2_000);
    expectNoHungCalls(load);
  });

  it('killing 1 node of a 3-node cluster under load: no call hangs, traffic continues through the other nodes', async () => {
    const cluster = await startNatsCluster(3);
    started.nats.push(cluster);
    const [n0, n1, n2] = cluster.servers;
    const logDir = logFolder();
    started.dirs.push(logDir);
    // One server process and the client start on the node that dies; the other server elsewhere.
    started.processes.push(
      await serveOverNats([n1.url, n0.url, n2.url], 'cluster-a', logDir),
      await serveOverNats([n2.url, n0.url, n1.url], 'cluster-b', logDir),
    );
    const served = () => started.processes.map((p) => callLogs(logDir).get(p.pid)?.length ?? 0);
    let atKill: number[] = [];
    const load = await underLoad(client([n1.url, n0.url, n2.url]), async () => {
      await n1.kill();
      atKill = served();
    }, 2_000);
    expectNoHungCalls(load);
    // Both server processes served calls after the kill: the one on the dead node moved over.
    const after = served();
    expect(after[0]).toBeGreaterThan(atKill[0]);
    expect(after[1]).toBeGreaterThan(atKill[1]);
  });

  it('starting while NATS is down: fails at once naming the servers by default, waits up to connectWaitMs when configured', async () => {
    const nats = await startNatsServer();
    started.nats.push(nats);
    const url = nats.url;
    await nats.kill();
    const dispatcher = new Dispatcher({ services: [mathService] });

    let at = Date.now();
    await expect(natsTransport({ servers: url }).start(dispatcher)).rejects.toThrow(new RegExp(`cannot connect to NATS at ${url} \\(set connectWaitMs to keep trying\\)`));
    expect(Date.now() - at).toBeLessThan(2_000);

    at = Date.now();
    await expect(natsTransport({ servers: url, connectWaitMs: 800 }).start(dispatcher)).rejects.toThrow(/after trying for 800 ms/);
    expect(Date.now() - at).toBeGreaterThanOrEqual(700);
    expect(Date.now() - at).toBeLessThan(3_000);

    const math = new MathV1Client(client([url]));
    const refused = await math.add({ a: 1, b: 2 }, { retry: false }).catch((e: AccordError) => e);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining(`cannot connect to NATS at ${url}`) });

    const transport = natsTransport({ servers: url, connectWaitMs: 10_000 });
    const starting = transport.start(dispatcher);
    await sleep(500);
    await nats.restart();
    await starting;
    try {
      expect(await math.add({ a: 1, b: 2 })).toEqual({ sum: 3 });
    } finally {
      await transport.stop({ graceMs: 100 });
    }
  });

  it('`accord serve` with NATS down exits 1 with the reason', async () => {
    const nats = await startNatsServer();
    started.nats.push(nats);
    const url = nats.url;
    await nats.kill();
    const child = spawnTsx(['codegen/cli.ts', 'serve', 'test/nats/fixtures/nats.config.ts'], { ACCORD_TRANSPORTS: 'nats', ACCORD_NATS_URL: url, ACCORD_POOL_THREADS: '0', ACCORD_METRICS_PORT: '0' });
    const code = await Promise.race([child.exited, sleep(20_000).then(() => 'timeout')]);
    if (code === 'timeout') child.process.kill('SIGKILL');
    expect(code).toBe(1);
    expect(child.stderr()).toContain(`the nats transport failed to start: transports.nats: cannot connect to NATS at ${url}`);
  });
});
