/** Scheduled (cron) and delayed tasks run in pool workers, with a handler-like context. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tasks } from './fixtures/tasks.js';
import { fixture, HANDLERS, Reports, sleep, startPool, type Harness } from './helpers.js';

const reports = new Reports();
let h: Harness;

beforeAll(async () => {
  h = await startPool({ modules: [HANDLERS, fixture('tasks.ts')], threads: 2 });
});

afterAll(async () => {
  await h?.close();
  reports.close();
});

describe('delayed tasks', () => {
  test('a delayed task runs once, in a worker, after its delay; its ctx.emit reaches the dispatcher', async () => {
    const events: unknown[] = [];
    const off = h.dispatcher.events.subscribe('poolTest', 1, 'happened', (data) => events.push(data));
    const scheduledAt = Date.now();
    const run = h.pool.schedule('once', { tag: 'delayed' }, { delayMs: 200 });
    expect(run.id).toEqual(expect.any(String));
    const report = await reports.waitFor((m) => m.event === 'task' && m.tag === 'delayed');
    expect(Date.now() - scheduledAt).toBeGreaterThanOrEqual(190);
    expect(report.threadId).toBeGreaterThan(0);
    expect(report.callId).toBe(run.id);
    await sleep(300);
    expect(reports.of('task', 'delayed')).toHaveLength(1);
    off();
    expect(events).toContainEqual({ value: 42 });
  });

  test('a handler in a worker schedules a task with tasks.schedule()', async () => {
    await h.unary('scheduleLater', { tag: 'from-handler', delayMs: 50 });
    await reports.waitFor((m) => m.event === 'task' && m.tag === 'from-handler');
    await sleep(200);
    expect(reports.of('task', 'from-handler')).toHaveLength(1);
  });

  test('tasks.schedule() on the main thread goes to the pool', async () => {
    const run = tasks.schedule('once', { tag: 'from-main' }, { delayMs: 10 });
    const report = await reports.waitFor((m) => m.event === 'task' && m.tag === 'from-main');
    expect(report.callId).toBe(run.id);
  });

  test('a cancelled run does not run', async () => {
    const run = h.pool.schedule('once', { tag: 'cancelled' }, { delayMs: 100 });
    expect(run.cancel()).toBe(true);
    expect(run.cancel()).toBe(false);
    await sleep(300);
    expect(reports.of('task', 'cancelled')).toHaveLength(0);
  });

  test('a failing task is logged and the pool carries on', async () => {
    h.pool.schedule('failing', undefined);
    const until = Date.now() + 5_000;
    while (!h.logs.some((l) => l.msg === 'pool: task failed') && Date.now() < until) await sleep(10);
    const failure = h.logs.find((l) => l.msg === 'pool: task failed');
    expect(failure?.obj).toMatchObject({ task: 'failing' });
    expect(((failure?.obj as { err: Error }).err).message).toBe('task failure');
    expect(await h.unary('add', { a: 1, b: 1 })).toEqual({ sum: 2 });
  });

  test('scheduling an unknown task fails at once', () => {
    expect(() => h.pool.schedule('nope', {})).toThrow(/no task named 'nope'.*declared: once, failing/);
  });
});

describe('cron tasks', () => {
  test('a cron task runs on its schedule in a worker', async () => {
    const cron = await startPool({ modules: [HANDLERS, fixture('cron.ts')], threads: 1 });
    try {
      const first = await reports.waitFor((m) => m.event === 'task' && m.task === 'tick', 3_000);
      await reports.waitFor((m) => m.event === 'task' && m.task === 'tick' && m !== first, 3_000);
      expect(first.aborted).toBe(false);
    } finally {
      await cron.close();
    }
    const ticks = reports.of('task').filter((m) => m.task === 'tick').length;
    await sleep(1_200);
    // Closing the pool stops its schedule.
    expect(reports.of('task').filter((m) => m.task === 'tick').length).toBe(ticks);
  });
});
