/**
 * Durable tasks on JetStream, end to end: a real nats-server with JetStream (its store in a temp
 * folder) and real `accord serve` processes whose handler module defines tasks (fixtures/durable-tasks.ts).
 * Runs are counted in a file every process appends to, so a run in any process, before or after a
 * restart, is seen. The tests share the processes and run in order.
 */
import { connect, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { natsClient, type NatsClientTransport } from 'accord-rpc/nats';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { logFolder, removeFolder, waitFor } from './processes.js';
import { metricValue, runsIn, serveTasks, type TaskProcess } from './task-processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The fixture config's ackWaitMs, plus margin: a second delivery of a run would have come by then. */
const REDELIVERY_WAIT_MS = 2_600;

let nats: NatsServer;
let logDir: string;
let client: NatsClientTransport;
let watcher: NatsConnection;
const processes: TaskProcess[] = [];
let a: TaskProcess;
let b: TaskProcess;

async function serve(nodeId: string): Promise<TaskProcess> {
  const child = await serveTasks([nats.url], nodeId, logDir, { ACCORD_TEST_CRON: '1' });
  processes.push(child);
  return child;
}

/** Stores a run through the fixture's `schedule` method (it answers once JetStream holds the run; with `cancel`, after cancelling it). */
function schedule(task: 'record' | 'failing' | 'slow', tag: string, delayMs: number, cancel = false): Promise<{ id: string; cancelled: boolean }> {
  const input = { task, tag, delayMs, cancel };
  return client.unary({ service: 'durableTasks', version: 1, method: 'schedule', input, metadata: {}, idempotent: false }) as Promise<{ id: string; cancelled: boolean }>;
}

const runsTagged = (tag: string) => runsIn(logDir).filter((r) => r.tag === tag);

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true });
  logDir = logFolder();
  client = natsClient({ servers: nats.url });
  watcher = await connect({ servers: nats.url });
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await client?.close();
  await watcher?.close();
  await nats?.stop();
  if (logDir) removeFolder(logDir);
});

describe('durable tasks on JetStream', () => {
  test('a delayed run survives a SIGKILL of the process that scheduled it and runs exactly once after the restart', async () => {
    const first = await serve('tasks-a');
    const scheduledAt = Date.now();
    const { id } = await schedule('record', 'survivor', 2_500);
    await first.kill();
    a = await serve('tasks-a');
    const run = await waitFor(() => runsTagged('survivor')[0], 20_000, 'the delayed run after the restart');
    expect(run.runId).toBe(id);
    expect(run.pid).toBe(a.pid);
    expect(run.at).toBeGreaterThanOrEqual(scheduledAt + 2_500);
    await sleep(REDELIVERY_WAIT_MS);
    expect(runsTagged('survivor')).toHaveLength(1);
  }, 90_000);

  test('two processes share the durable consumers: each delayed run runs once, in one of them; a cancelled one never runs', async () => {
    b = await serve('tasks-b');
    const tags = Array.from({ length: 6 }, (_, i) => `shared-${i}`);
    const ids = await Promise.all(tags.map((tag, i) => schedule('record', tag, 200 + i * 100)));
    expect((await schedule('record', 'cancelled', 800, true)).cancelled).toBe(true);
    await waitFor(() => (tags.every((tag) => runsTagged(tag).length > 0) ? true : undefined), 15_000, 'every shared run');
    await sleep(REDELIVERY_WAIT_MS);
    tags.forEach((tag, i) => {
      const runs = runsTagged(tag);
      expect(runs, tag).toHaveLength(1);
      expect(runs[0]!.runId).toBe(ids[i]!.id);
      expect([a.pid, b.pid]).toContain(runs[0]!.pid);
    });
    expect(runsTagged('cancelled')).toEqual([]);
  }, 60_000);

  test('a run that keeps failing runs maxDeliver (3) times, 300 ms apart or more, then is reported dead: logged, counted, published as a dead letter', async () => {
    const letters = watcher.subscribe('accord._tasks.dead.failing', { max: 1 });
    await watcher.flush();
    const { id } = await schedule('failing', 'doomed', 0);
    const letter = await Promise.race([
      (async () => {
        for await (const msg of letters) return msg;
        throw new Error('the dead-letter subscription ended');
      })(),
      sleep(15_000).then(() => {
        throw new Error('no dead letter within 15 s');
      }),
    ]) as Msg;
    expect(letter.headers?.get('accord-task-run')).toBe(id);
    expect(letter.headers?.get('accord-task-attempts')).toBe('3');
    expect(letter.headers?.get('accord-task-error')).toBe('this task always fails');

    const attempts = runsTagged('doomed');
    expect(attempts.map((r) => r.runId)).toEqual([id, id, id]);
    for (let i = 1; i < attempts.length; i++) expect(attempts[i]!.at - attempts[i - 1]!.at).toBeGreaterThanOrEqual(280);

    const scraped = await Promise.all([a, b].map((p) => fetch(p.metricsUrl).then((r) => r.text())));
    const sum = (name: string, labels: Record<string, string>) => scraped.reduce((n, text) => n + metricValue(text, name, labels), 0);
    expect(sum('accord_tasks_dead_total', { task: 'failing' })).toBe(1);
    expect(sum('accord_tasks_runs_total', { task: 'failing', outcome: 'failed' })).toBe(3);
    expect(a.stderr() + b.stderr()).toContain('pool: task dead');
  }, 60_000);

  test('a cron tick runs once across the deployment: every process ticks, JetStream keeps the first copy', async () => {
    // Only ticks due while both processes run: a tick whose process an earlier test killed before
    // its ack is rightly run again elsewhere (at least once), which is not what this test is about.
    const bothSince = Date.now();
    const tickTime = (runId: string) => Date.parse(runId.slice('cron-tick-'.length));
    const ticks = () => runsIn(logDir).filter((r) => r.task === 'tick' && tickTime(r.runId) >= bothSince);
    await waitFor(() => (new Set(ticks().map((r) => r.runId)).size >= 3 ? true : undefined), 10_000, 'three cron ticks');
    await sleep(REDELIVERY_WAIT_MS); // a second run of any of them would have come by now
    const perTick = new Map<string, number>();
    for (const run of ticks()) perTick.set(run.runId, (perTick.get(run.runId) ?? 0) + 1);
    expect(perTick.size).toBeGreaterThanOrEqual(3);
    expect([...perTick.entries()].filter(([, n]) => n > 1)).toEqual([]);
  }, 30_000);

  test('the NATS transport and the task store report gauges and counters on /metrics', async () => {
    const text = await fetch(a.metricsUrl).then((r) => r.text());
    expect(metricValue(text, 'accord_nats_connected')).toBe(1);
    expect(metricValue(text, 'accord_nats_call_subscriptions')).toBeGreaterThanOrEqual(2);
    expect(metricValue(text, 'accord_nats_calls_in_flight')).toBe(0);
    expect(metricValue(text, 'accord_nats_messages_total', { direction: 'in' })).toBeGreaterThan(0);
    expect(metricValue(text, 'accord_tasks_runs_total', { outcome: 'ok' })).toBeGreaterThan(0);
    expect(text).toContain('accord_tasks_scheduled_total{task=');
    expect(metricValue(text, 'accord_tasks_running')).toBe(0);
  });

  test('SIGTERM hands a run still going back to NATS after closeGraceMs: the other process runs it to the end', async () => {
    // Runs of `slow` go to whichever process pulls first: start them until one runs in `a`.
    let tag = '';
    for (let i = 0; i < 10 && !tag; i++) {
      await schedule('slow', `slow-${i}`, 0);
      const started = await waitFor(() => runsTagged(`slow-${i}`)[0], 5_000, `slow-${i} started`);
      if (started.pid === a.pid) tag = `slow-${i}`;
    }
    expect(tag, 'a slow run started in process a').not.toBe('');
    a.process.kill('SIGTERM');
    expect(await Promise.race([a.exited, sleep(10_000).then(() => 'still running')])).toBe(0);
    const done = await waitFor(() => runsTagged(`${tag}:done`)[0], 10_000, 'the handed-back run finished');
    expect(done.pid).toBe(b.pid);
    expect(runsTagged(tag).map((r) => r.pid)).toEqual([a.pid, b.pid]);
  }, 60_000);
});
