/** Calls through a real Dispatcher into real worker threads: results, errors, context, streams, nested calls, events, bytes. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AccordError, CallScope, nextCallId } from 'accord-rpc/core';
import { poolTest } from './fixtures/contract.js';
import { rejection, Reports, sleep, startPool, type Harness } from './helpers.js';

const WINDOW = 8;
let h: Harness;
const reports = new Reports();

beforeAll(async () => {
  h = await startPool({ threads: 2, streamWindow: WINDOW }, { maxHops: 3 });
});

afterAll(async () => {
  await h?.close();
  reports.close();
});

describe('unary calls in workers', () => {
  test('a result comes back, from a worker thread', async () => {
    expect(await h.unary('add', { a: 2, b: 3 })).toEqual({ sum: 5 });
    const who = await h.unary('whoami', {});
    expect(who.threadId).toBeGreaterThan(0);
  });

  test('calls spread over both workers', async () => {
    const threads = new Set((await Promise.all(Array.from({ length: 20 }, () => h.unary('whoami', {})))).map((w) => w.threadId));
    expect(threads.size).toBe(2);
  });

  test('context data reaches the worker: call id, deadline, metadata, trace', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const ctx = await h.unary('context', {}, { timeoutMs: 5_000, headers: { 'x-tenant': 'acme', traceparent } });
    expect(ctx.service).toBe('poolTest');
    expect(ctx.method).toBe('context');
    expect(ctx.callId).toEqual(expect.any(String));
    expect(ctx.deadline).toBeGreaterThan(Date.now());
    expect(ctx.meta).toMatchObject({ hops: 0, traceparent, headers: { 'x-tenant': 'acme' } });
  });

  test('auth reaches the worker', async () => {
    const executor = h.pool.executor(h.dispatcher.contextHooks());
    const scope = new CallScope();
    const out = await executor.unary({
      service: poolTest, method: poolTest.methods.context, input: {}, scope, get signal() { return scope.signal; },
      context: { callId: 'c1', service: 'poolTest', version: 1, method: 'context', deadline: undefined, meta: { hops: 0, headers: {} }, auth: { subject: 'ada', scopes: ['math:read'], claims: { tenant: 't1' } } },
    }) as { auth: unknown };
    expect(out.auth).toEqual({ subject: 'ada', scopes: ['math:read'], claims: { tenant: 't1' } });
  });

  test('errors: declared and framework AccordErrors keep code, message and data; plain errors become INTERNAL', async () => {
    const declared = await rejection(h.unary('fail', { kind: 'declared' }));
    expect([declared.code, declared.message, declared.data]).toEqual(['TOO_BIG', 'it is too big', { limit: 10 }]);
    const framework = await rejection(h.unary('fail', { kind: 'framework' }));
    expect([framework.code, framework.message, framework.data]).toEqual(['NOT_FOUND', 'no such thing', { id: 'x' }]);
    const plain = await rejection(h.unary('fail', { kind: 'plain' }));
    expect([plain.code, plain.message]).toEqual(['INTERNAL', 'internal error']);
    expect(h.logs.some((l) => ((l.obj as { err?: Error }).err?.message ?? '') === 'secret internals')).toBe(true);
    expect((await rejection(h.unary('fail', { kind: 'string' }))).code).toBe('INTERNAL');
    // The worker survived all of it.
    expect(await h.unary('add', { a: 1, b: 1 })).toEqual({ sum: 2 });
  });

  test('ctx.logger lines reach the main logger, tagged with the worker', async () => {
    await h.unary('logIt', { msg: 'hello from a worker' });
    const until = Date.now() + 2_000;
    let line: (typeof h.logs)[number] | undefined;
    while (!(line = h.logs.find((l) => l.msg === 'hello from a worker')) && Date.now() < until) await sleep(5);
    expect(line?.level).toBe('info');
    expect(line?.obj).toMatchObject({ tag: 'from-worker', err: { message: 'logged error' }, worker: expect.any(Number) });
  });

  test('cancellation reaches ctx.signal in the worker', async () => {
    const controller = new AbortController();
    const call = h.unary('sleep', { ms: 10_000, tag: 'cancel-me' }, { signal: controller.signal });
    await sleep(100);
    controller.abort(new AccordError('CANCELLED', 'the test cancelled'));
    expect((await rejection(call)).code).toBe('CANCELLED');
    const report = await reports.waitFor((m) => m.event === 'aborted' && m.tag === 'cancel-me');
    expect(report.reason).toBe('CANCELLED');
  });

  test('the deadline reaches ctx.signal in the worker', async () => {
    const started = Date.now();
    expect((await rejection(h.unary('sleep', { ms: 10_000, tag: 'deadline' }, { timeoutMs: 150 }))).code).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(2_000);
    const report = await reports.waitFor((m) => m.event === 'aborted' && m.tag === 'deadline');
    expect(report.reason).toBe('DEADLINE_EXCEEDED');
  });

  test('Uint8Array results: moved when marked transferable, copied otherwise', async () => {
    const moved = await h.unary('bytes', { size: 65_536, transfer: true });
    expect(moved.data).toBeInstanceOf(Uint8Array);
    expect(moved.data.byteLength).toBe(65_536);
    expect(moved.data[100]).toBe(7);
    const copied = await h.unary('bytes', { size: 1_000, transfer: false });
    expect(copied.data.byteLength).toBe(1_000);
    const after = await reports.waitFor((m) => m.event === 'bytes-after-send' && m.byteLength !== 1_000);
    expect(after.byteLength).toBe(0); // the worker's buffer moved
    await reports.waitFor((m) => m.event === 'bytes-after-send' && m.byteLength === 1_000);
  });
});

describe('streams from workers', () => {
  test('all items arrive in order', async () => {
    const items: number[] = [];
    for await (const item of h.stream('count', { n: 500, tag: 'all' })) items.push(item.i);
    expect(items).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  test('a slow consumer pauses the generator: produced-but-unconsumed stays within the credit window', async () => {
    const tag = 'slow';
    const produced = () => Math.max(0, ...reports.of('produced', tag).map((m) => m.produced));
    const iterator = h.stream('count', { n: 10_000, tag });
    let consumed = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) {
        const next = await iterator.next();
        expect(next.done).toBe(false);
        consumed++;
      }
      // Stop reading for a while: the worker may run ahead by the window, no further.
      await sleep(300);
      expect(produced()).toBeGreaterThanOrEqual(consumed);
      expect(produced() - consumed).toBeLessThanOrEqual(WINDOW);
    }
    await iterator.return(undefined);
    // Stopping the consumer stops the generator in the worker (its finally runs).
    const finale = await reports.waitFor((m) => m.event === 'stream-finally' && m.tag === tag);
    expect(finale.produced).toBeLessThanOrEqual(consumed + WINDOW);
  });
});

describe('streams cancelled as they start', () => {
  test('a stream cancelled in the turn it was started (request and cancel in one network read) fails CANCELLED with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const scope = new CallScope();
      const envelope = { id: nextCallId(), service: 'poolTest', version: 1, method: 'count', input: { n: 5, tag: 'cancelled-at-start' }, meta: { hops: 0, headers: {} } };
      const iterator = h.dispatcher.stream(envelope, scope);
      const first = iterator.next(); // runs up to the admission's await
      scope.abort(new AccordError('CANCELLED', 'cancelled before the handler started'));
      await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
      await sleep(50); // an unhandled rejection is reported after the microtasks drain
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('nested calls from workers', () => {
  test('ctx.transport calls go through the dispatcher with one more hop', async () => {
    expect(await h.unary('nestedAdd', { a: 20, b: 22 })).toEqual({ sum: 42, hops: 0 });
  });

  test('a nested stream feeds the worker', async () => {
    expect(await h.unary('nestedStream', { n: 100 })).toEqual({ total: 4950 });
  });

  test('a call cycle stops at maxHops with LOOP_DETECTED', async () => {
    const error = await rejection(h.unary('recurse', { depth: 0 }));
    expect(error.code).toBe('LOOP_DETECTED');
    expect(error.message).toContain('over the limit of 3');
  });

  test('ctx.emit publishes through the dispatcher (validated in the worker)', async () => {
    const seen: unknown[] = [];
    const off = h.dispatcher.events.subscribe('poolTest', 1, 'happened', (data) => seen.push(data));
    await h.unary('emitIt', { value: 7 });
    const until = Date.now() + 2_000;
    while (seen.length === 0 && Date.now() < until) await sleep(5);
    off();
    expect(seen).toEqual([{ value: 7 }]);
  });
});
