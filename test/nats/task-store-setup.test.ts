/**
 * Turning the JetStream task store on: the deploy config and environment that select it, option
 * checks that stop a typo before anything connects, and the errors a server start gets when NATS
 * cannot hold the runs (no JetStream; a stream of that name that is not a task stream). Real
 * nats-servers; no process is spawned.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, test } from 'vitest';
import { silentLogger } from 'accord-rpc/core';
import { natsTaskStore, taskStoreOptionsOf } from 'accord-rpc/nats';
import { TaskCounters, type TaskHost } from 'accord-rpc/pool';
import { applyEnv, ConfigError, validateConfig, type AccordConfig } from 'accord-rpc/server';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';

const servers: NatsServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const host = (): TaskHost => ({ run: async () => undefined, logger: silentLogger, counters: new TaskCounters() });
const base: AccordConfig = { services: ['./handlers.ts'] };

describe('the tasks section of the deploy config', () => {
  test('names a store, memory or nats; the memory store takes no options', () => {
    expect(() => validateConfig({ ...base, tasks: { store: 'nats', maxDeliver: 5 } })).not.toThrow();
    expect(() => validateConfig({ ...base, tasks: { store: 'redis' } })).toThrow(/'tasks.store' must be one of memory, nats/);
    expect(() => validateConfig({ ...base, tasks: { maxDeliver: 5 } })).toThrow(/tasks.maxDeliver is an option of the nats task store/);
    expect(() => validateConfig({ ...base, tasks: [] })).toThrow(ConfigError);
  });

  test('ACCORD_TASK_STORE selects the store and keeps the nats options; memory drops them; anything else is an error', () => {
    const config = { ...base, tasks: { store: 'memory' as const } };
    expect(applyEnv(config, { ACCORD_TASK_STORE: 'nats' }).tasks).toEqual({ store: 'nats' });
    expect(applyEnv({ ...base, tasks: { store: 'nats', maxDeliver: 5 } }, { ACCORD_TASK_STORE: 'memory' }).tasks).toEqual({ store: 'memory' });
    expect(() => applyEnv(config, { ACCORD_TASK_STORE: 'disk' })).toThrow(/ACCORD_TASK_STORE must be one of memory, nats/);
  });

  test("the store takes the connection and prefix of transports.nats (not its other options); tasks' own win", () => {
    const options = taskStoreOptionsOf({ servers: ['nats://n1:4222'], token: 't', prefix: 'shop', queue: 'q', heartbeatMs: 100 }, { maxDeliver: 5, servers: 'nats://n2:4222' });
    expect(options).toEqual({ servers: 'nats://n2:4222', token: 't', prefix: 'shop', maxDeliver: 5 });
  });

  test('a misspelt or impossible option fails when the store is built, naming it', () => {
    expect(() => natsTaskStore({ maxDelivr: 3 } as never)).toThrow(/unknown option 'maxDelivr'/);
    expect(() => natsTaskStore({ ackWaitMs: 60_000, duplicateWindowMs: 30_000 })).toThrow(/duplicateWindowMs \(30000\) must be longer than ackWaitMs \(60000\)/);
    expect(() => natsTaskStore({ backoffMs: [] })).toThrow(/backoffMs must be a non-empty list/);
    expect(() => natsTaskStore({ cron: 'cluster' as never })).toThrow(/cron must be 'deployment' or 'process'/);
  });
});

describe('opening the store', () => {
  test('a NATS server without JetStream: open() fails saying so, and how to fix it', async () => {
    const plain = await startNatsServer();
    servers.push(plain);
    const store = natsTaskStore({ servers: plain.url });
    await expect(store.open(host())).rejects.toThrow(/JetStream is not available on the NATS server at 127.0.0.1:\d+ \(start nats-server with -js/);
    await store.close();
  });

  test('a stream of that name that is not a task stream is left alone, and open() says why', async () => {
    const js = await startNatsServer({ jetstream: true });
    servers.push(js);
    const nc = await connect({ servers: js.url });
    try {
      await (await jetstreamManager(nc)).streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
    } finally {
      await nc.close();
    }
    const store = natsTaskStore({ servers: js.url, stream: 'ORDERS' });
    await expect(store.open(host())).rejects.toThrow(/stream 'ORDERS' exists but is not a task stream .* subject 'accord._tasks.>'/);
    await store.close();
  });
});
