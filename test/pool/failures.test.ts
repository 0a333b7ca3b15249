/** Isolation and recovery: a misbehaving handler fails only the calls its worker held; no call hangs. */
import { describe, expect, test } from 'vitest';
import { AccordError } from 'accord-rpc/core';
import { createPool } from 'accord-rpc/pool';
import { fixture, rejection, Settlement, sleep, startPool } from './helpers.js';

/** Starts `sleepers` 300 ms calls (spread over both workers), then `killer` on the least-loaded one. */
async function killOneWorker(method: string, input: unknown, expectMessage: RegExp, options = {}) {
  const h = await startPool({ threads: 2, ...options });
  try {
    const sleepers = Array.from({ length: 4 }, (_, i) => h.unary('sleep', { ms: 400, tag: `held-${i}` }).then(() => 'ok', (e: AccordError) => e));
    await sleep(50);
    const killer = h.unary(method, input).then(() => 'ok', (e: AccordError) => e);
    const outcomes = await Promise.all([...sleepers, killer]);
    const failures = outcomes.filter((o): o is AccordError => o !== 'ok');
    // The killer and the two sleepers on its worker fail; the two on the other worker finish.
    expect(failures).toHaveLength(3);
    for (const failure of failures) {
      expect(failure.code).toBe('UNAVAILABLE');
      expect(failure.message).toMatch(expectMessage);
    }
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2);
    // The worker was replaced: the next calls succeed, on two workers again.
    expect(await h.unary('add', { a: 1, b: 2 })).toEqual({ sum: 3 });
    expect(h.pool.stats().replaced).toBe(1);
    const until = Date.now() + 10_000;
    while (h.pool.stats().workers.filter((w) => w.state === 'ready').length < 2 && Date.now() < until) await sleep(20);
    const threads = new Set((await Promise.all(Array.from({ length: 10 }, () => h.unary('whoami', {})))).map((w) => w.threadId));
    expect(threads.size).toBe(2);
  } finally {
    await h.close();
  }
}

describe('a worker that dies', () => {
  test('process.exit in a handler', () => killOneWorker('exit', { code: 7 }, /exited with code 7/));

  test('an uncaught error in a timer', () => killOneWorker('throwInTimer', {}, /boom from a timer/));

  test('exceeding resourceLimits', () => killOneWorker('allocate', {}, /memory/i, { resourceLimits: { maxOldGenerationSizeMb: 64 } }));
});

describe('a handler that ignores its abort', () => {
  test('an async handler that never settles: its worker is replaced after abortGraceMs, its other calls fail', async () => {
    const h = await startPool({ threads: 1, abortGraceMs: 200 });
    try {
      const bystander = h.unary('sleep', { ms: 5_000, tag: 'bystander' });
      const started = Date.now();
      expect((await rejection(h.unary('hang', {}, { timeoutMs: 100 }))).code).toBe('DEADLINE_EXCEEDED');
      const failure = await rejection(bystander);
      expect(failure.code).toBe('UNAVAILABLE');
      expect(failure.message).toContain('ignored its abort');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(await h.unary('add', { a: 1, b: 1 })).toEqual({ sum: 2 });
      expect(h.pool.stats().replaced).toBe(1);
    } finally {
      await h.close();
    }
  });

  test('a CPU loop that never looks at ctx.signal: the next call succeeds long before the loop would have ended', async () => {
    const h = await startPool({ threads: 1, abortGraceMs: 200 });
    try {
      const started = Date.now();
      expect((await rejection(h.unary('spin', { ms: 20_000 }, { timeoutMs: 100 }))).code).toBe('DEADLINE_EXCEEDED');
      expect(await h.unary('add', { a: 2, b: 2 })).toEqual({ sum: 4 });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await h.close();
    }
  });

  test('a handler that honours its abort keeps its worker', async () => {
    const h = await startPool({ threads: 1, abortGraceMs: 200 });
    try {
      expect((await rejection(h.unary('sleep', { ms: 5_000, tag: 'polite' }, { timeoutMs: 100 }))).code).toBe('DEADLINE_EXCEEDED');
      await sleep(400);
      expect(h.pool.stats().replaced).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('limits', () => {
  test('past maxQueue, calls get RESOURCE_EXHAUSTED at once; the rest complete', async () => {
    const h = await startPool({ threads: 1, concurrency: 1, maxQueue: 2 });
    try {
      const accepted = [0, 1, 2].map((i) => h.unary('sleep', { ms: 200, tag: `q${i}` }));
      await sleep(20);
      const started = Date.now();
      const rejected = await Promise.all([3, 4, 5].map((i) => rejection(h.unary('sleep', { ms: 200, tag: `q${i}` }))));
      expect(Date.now() - started).toBeLessThan(100);
      for (const error of rejected) expect(error.code).toBe('RESOURCE_EXHAUSTED');
      expect(await Promise.all(accepted)).toEqual([{ slept: true }, { slept: true }, { slept: true }]);
    } finally {
      await h.close();
    }
  });

  test('a queued call whose deadline passes leaves the queue with DEADLINE_EXCEEDED', async () => {
    const h = await startPool({ threads: 1, concurrency: 1 });
    try {
      const running = h.unary('sleep', { ms: 500, tag: 'first' });
      const queued = h.unary('add', { a: 1, b: 1 }, { timeoutMs: 100 });
      expect((await rejection(queued)).code).toBe('DEADLINE_EXCEEDED');
      expect(h.pool.stats().queued).toBe(0);
      await running;
    } finally {
      await h.close();
    }
  });
});

describe('modules that cannot load', () => {
  test('ready() rejects and calls fail with UNAVAILABLE at once instead of hanging', async () => {
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (_obj: unknown, msg?: string) => void logged.push(msg ?? '') };
    const pool = createPool({ modules: [fixture('broken.ts')], threads: 1, logger });
    await expect(pool.ready()).rejects.toThrow(/broken on purpose/);
    const { Dispatcher } = await import('accord-rpc/core');
    const { service } = await import('./fixtures/handlers.js');
    const dispatcher = new Dispatcher({ services: [service], pool: pool.executor });
    const calls = new Settlement();
    const error = await rejection(calls.track(dispatcher.unary({ id: 'x', service: 'poolTest', version: 1, method: 'add', input: { a: 1, b: 1 }, meta: { hops: 0, headers: {} } })));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain('broken on purpose');
    await calls.allSettled();
    expect(logged.join('\n')).toContain('cannot load the handler modules');
    await pool.close();
  });
});
