/**
 * The JetStream task store across a restart of nats-server itself (JetStream's file store in the
 * server's temp folder survives it): a run stored before the restart and one stored right after it
 * both run, once, soon after their due time. The store runs in this process; its host records runs
 * instead of starting a pool (the pool is not what is tested here).
 */
import { afterAll, expect, test } from 'vitest';
import { silentLogger } from 'accord-rpc/core';
import { natsTaskStore } from 'accord-rpc/nats';
import { TaskCounters, type TaskStore } from 'accord-rpc/pool';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { waitFor } from './processes.js';

let nats: NatsServer | undefined;
let store: TaskStore | undefined;
afterAll(async () => {
  await store?.close();
  await nats?.stop();
});

test('runs stored before and just after a nats-server restart each run once after their due time', async () => {
  nats = await startNatsServer({ jetstream: true });
  const runs: { runId: string; payload: unknown; at: number }[] = [];
  store = natsTaskStore({ servers: nats.url, reconnectTimeWait: 100, reconnectJitter: 0, ackWaitMs: 2_000, duplicateWindowMs: 10_000 });
  await store.open({ run: async (_task, payload, runId) => void runs.push({ runId, payload, at: Date.now() }), logger: silentLogger, counters: new TaskCounters() });
  store.setTasks([{ name: 'remember' }]);

  const before = { id: 'before-restart', task: 'remember', payload: { n: 1 }, dueAt: Date.now() + 1_500 };
  await store.schedule(before).stored;
  await nats.restart();
  const after = { id: 'after-restart', task: 'remember', payload: { n: 2 }, dueAt: Date.now() + 300 };
  await store.schedule(after).stored;

  await waitFor(() => (runs.length >= 2 ? true : undefined), 15_000, 'both runs');
  await new Promise((r) => setTimeout(r, 2_500)); // past ackWaitMs: a second delivery would have come
  expect(runs.map((r) => r.runId).sort()).toEqual(['after-restart', 'before-restart']);
  expect(runs.find((r) => r.runId === 'before-restart')).toMatchObject({ payload: { n: 1 } });
  for (const run of runs) expect(run.at).toBeGreaterThanOrEqual((run.runId === before.id ? before : after).dueAt);
}, 30_000);
