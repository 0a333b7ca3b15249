/**
 * Two `accord serve` processes (real child processes, the worker pool on) behind one queue group
 * on one real nats-server: they share the calls, each call runs exactly once, a plain NATS request
 * with no Accord headers calls a method with JSON, and a process stopped with SIGTERM finishes
 * what it runs while the other takes the new calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsClient, type NatsClientTransport } from 'accord-rpc/nats';
import { MathV1Client } from '../../generated/math/client.js';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { callLogs, logFolder, removeFolder, serveOverNats, type AccordProcess } from './processes.js';

let nats: NatsServer;
let logDir: string;
let processes: AccordProcess[] = [];
let client: NatsClientTransport;
let raw: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  logDir = logFolder();
  processes = await Promise.all(['node-a', 'node-b'].map((id) => serveOverNats([nats.url], id, logDir, { poolThreads: 1 })));
  client = natsClient({ servers: nats.url });
  raw = await connect({ servers: nats.url });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await raw?.close();
  await Promise.all(processes.map((p) => p.kill()));
  await nats?.stop();
  removeFolder(logDir);
});

describe('two accord serve processes in one queue group', () => {
  it('share 200 calls (both serve some) and run each exactly once, counted in the handler', async () => {
    const math = new MathV1Client(client);
    const sums = await Promise.all(Array.from({ length: 200 }, (_, i) => math.add({ a: i, b: 1_000 })));
    expect(sums.map((s) => s.sum)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1_000));

    const logs = callLogs(logDir);
    const pids = processes.map((p) => p.pid).sort();
    expect([...logs.keys()].sort()).toEqual(pids);
    for (const pid of pids) expect(logs.get(pid)!.length).toBeGreaterThan(0);
    const ran = [...logs.values()].flat().map(Number).sort((x, y) => x - y);
    expect(ran).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('run a pool method (math.fib in worker threads) in both processes', async () => {
    const math = new MathV1Client(client);
    const ranIn = await Promise.all(Array.from({ length: 40 }, () => math.fib({ n: 10 })));
    expect(new Set(ranIn.map((r) => r.value))).toEqual(new Set(processes.map((p) => p.pid)));
  });

  it('answer a plain NATS request without headers (what `nats req accord.math.v1.add \'{"a":2,"b":3}\'` sends) with JSON, on the versioned and the latest subject', async () => {
    for (const subject of ['accord.math.v1.add', 'accord.math.latest.add']) {
      const reply = await raw.request(subject, '{"a":2,"b":3}', { timeout: 5_000 });
      expect(reply.headers).toBeUndefined();
      expect(reply.json()).toEqual({ sum: 5 });
    }
  });

  it('a process stopped with SIGTERM finishes its calls in flight (none fails), exits 0, and the other takes every new call', async () => {
    const math = new MathV1Client(client);
    const [leaving, staying] = processes;
    const inFlight = Array.from({ length: 10 }, () => math.fib({ n: 37 }, { timeoutMs: 10_000 }));
    await new Promise((r) => setTimeout(r, 200));
    leaving.process.kill('SIGTERM');
    const ranIn = (await Promise.all(inFlight)).map((r) => r.value);
    expect(ranIn).toContain(leaving.pid);
    expect(await Promise.race([leaving.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))])).toBe(0);
    const after = await Promise.all(Array.from({ length: 10 }, () => math.fib({ n: 1 })));
    expect(new Set(after.map((r) => r.value))).toEqual(new Set([staying.pid]));
  });

  it('answer a plain request with bad input with the error body and the micro error headers (400)', async () => {
    const reply = await raw.request('accord.math.v1.add', '{"a":"two","b":3}', { timeout: 5_000 });
    expect(reply.headers?.get('Nats-Service-Error-Code')).toBe('400');
    expect(reply.headers?.get('Nats-Service-Error')).toMatch(/invalid input for math\.v1\.add/);
    expect(reply.json()).toMatchObject({ code: 'INVALID_ARGUMENT', data: { issues: [{ path: 'a' }] } });
  });
});
