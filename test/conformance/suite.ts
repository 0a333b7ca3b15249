/**
 * The transport conformance suite: what a client sees must not depend on the transport.
 *
 * Usage, in a `*.test.ts` file of your transport:
 *
 *   import { conformanceSuite } from '../conformance/suite.js';
 *   conformanceSuite('ws', async (dispatcher) => {
 *     const server = wsTransport({ port: 0 });
 *     await server.start(dispatcher);
 *     const client = wsClient({ url: server.url });
 *     return { client, close: async () => { await client.close?.(); await server.stop({ graceMs: 100 }); } };
 *   });
 *
 * The factory gets a ready Dispatcher (the suite's own instrumented handlers for every example
 * contract, see handlers.ts, and an authenticate hook: `Bearer reader`, `Bearer writer` with
 * users:write, API key `file-key`), must start the server transport on it, and return a
 * ClientTransport connected to it plus `close()`. It is called once per suite (beforeAll).
 *
 * bytes() fields come back as Uint8Array over every codec: MessagePack carries them raw, and over
 * JSON the generated client turns the base64 back into bytes (ServiceInfo.bytes).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientTransport } from 'accord-rpc/client';
import { AccordError, Dispatcher } from 'accord-rpc/core';
import { createPool, type PoolHandle } from 'accord-rpc/pool';
import { createClients, type AccordClients } from '../../generated/index.js';
import { authenticate, conformanceServices, createProbe, type Probe } from './handlers.js';
import { mirroredProbe } from './probe-channel.js';

export interface ConformanceTarget {
  /** A client transport connected to the started server. */
  client: ClientTransport;
  /** Stops the server and closes the client. */
  close(): Promise<void>;
}

/** Starts your server transport for `dispatcher` and returns a client transport connected to it. */
export type ConformanceFactory = (dispatcher: Dispatcher) => Promise<ConformanceTarget>;

export interface ConformanceOptions {
  /**
   * Run every method in a pool worker (one thread, so the handlers' in-memory state stays
   * consistent), with the probe mirrored from the worker.
   */
  pool?: boolean;
}

/** A dispatcher over the conformance handlers, inline or entirely in a one-thread pool. */
async function conformanceDispatcher(options: ConformanceOptions): Promise<{ dispatcher: Dispatcher; probe: Probe; close(): Promise<void> }> {
  if (!options.pool) {
    const probe = createProbe();
    return { dispatcher: new Dispatcher({ services: conformanceServices(probe), authenticate }), probe, close: async () => undefined };
  }
  const mirror = mirroredProbe();
  const pool: PoolHandle = createPool({ modules: [fileURLToPath(new URL('./pool-handlers.ts', import.meta.url))], threads: 1 });
  await pool.ready();
  // The main thread's bound services only describe the contracts here: every call runs in the worker.
  const dispatcher = new Dispatcher({ services: conformanceServices(createProbe()), pool: pool.executor, allInPool: true, authenticate });
  return {
    dispatcher,
    probe: mirror,
    close: async () => {
      await pool.close();
      mirror.close();
    },
  };
}

/** Polls `check` until it is true or `ms` pass. */
async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The rejection of `promise`, which must reject with an AccordError. */
async function failure(promise: Promise<unknown>): Promise<AccordError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AccordError);
    return error as AccordError;
  }
  throw new Error('expected the call to fail');
}

export function conformanceSuite(name: string, factory: ConformanceFactory, options: ConformanceOptions = {}): void {
  const asBytes = (value: unknown): Uint8Array => {
    expect(value).toBeInstanceOf(Uint8Array);
    return value as Uint8Array;
  };

  describe(`transport conformance: ${name}${options.pool ? ', every method in a pool worker' : ''}`, () => {
    let target: ConformanceTarget;
    let probe: Probe;
    let closeDispatcher: (() => Promise<void>) | undefined;
    let api: AccordClients;
    let raw: ClientTransport;
    const withToken = (token: string) => createClients(raw, { metadata: { authorization: `Bearer ${token}` } });

    beforeAll(async () => {
      const built = await conformanceDispatcher(options);
      probe = built.probe;
      closeDispatcher = built.close;
      target = await factory(built.dispatcher);
      raw = target.client;
      api = createClients(raw);
    });
    afterAll(async () => {
      await target?.close();
      await closeDispatcher?.();
    });

    describe('unary calls through the generated clients', () => {
      it('math: add, divide, fib', async () => {
        expect(await api.math.add({ a: 2, b: 3 })).toEqual({ sum: 5 });
        expect(await api.math.divide({ a: 9, b: 3 })).toEqual({ quotient: 3 });
        expect(await api.math.fib({ n: 20 })).toEqual({ value: 6765 });
      });

      it('users v1: get, list, create', async () => {
        expect(await api.usersV1.get({ id: 'u1' })).toEqual({ id: 'u1', name: 'Ada Lovelace', email: 'ada@example.com' });
        const page = await api.usersV1.list({ limit: 1 });
        expect(page.items).toHaveLength(1);
        expect(page.nextCursor).toBe('u1');
        const created = await withToken('reader').usersV1.create({ name: 'Grace Hopper', email: 'grace.v1@example.com' });
        expect(created).toMatchObject({ name: 'Grace Hopper', email: 'grace.v1@example.com' });
      });

      it('users v2: get, list with defaults, create, update, remove', async () => {
        expect(await api.users.get({ id: 'u2' })).toMatchObject({ givenName: 'Alan', familyName: 'Turing' });
        const filtered = await api.users.list({ nameContains: '  TURING ' });
        expect(filtered.items.map((u) => u.id)).toEqual(['u2']);
        const writer = withToken('writer');
        const created = await writer.users.create({ givenName: 'Barbara', familyName: 'Liskov', email: 'barbara@example.com' });
        expect(created.id).toMatch(/^u\d+$/);
        const updated = await writer.users.update({ id: created.id, familyName: 'Liskov-Updated' });
        expect(updated).toMatchObject({ id: created.id, givenName: 'Barbara', familyName: 'Liskov-Updated' });
        expect(await writer.users.remove({ id: created.id })).toEqual({ removed: true });
        const gone = await failure(api.users.get({ id: created.id }));
        expect(gone.code).toBe('NOT_FOUND');
      });

      it('ticker: publish, with caller metadata reaching ctx.meta.headers', async () => {
        const result = await api.ticker.publish({ symbol: 'ACME', price: 12, threshold: 10 }, { metadata: { 'X-Conformance': 'yes' } });
        expect(result).toEqual({ alerted: true });
        expect(probe.lastHeaders?.['x-conformance']).toBe('yes');
      });

      it('many calls at once', async () => {
        const sums = await Promise.all(Array.from({ length: 25 }, (_, i) => api.math.add({ a: i, b: 1 })));
        expect(sums.map((s) => s.sum)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      });
    });

    describe('errors', () => {
      it('a declared error arrives typed, narrowed by code', async () => {
        const error = await failure(api.math.divide({ a: 7, b: 0 }));
        expect(api.math.isError(error, 'DIVISION_BY_ZERO')).toBe(true);
        if (api.math.isError(error, 'DIVISION_BY_ZERO')) expect(error.data.dividend).toBe(7);
        expect(error.message).toBe('cannot divide by zero');
      });

      it('a declared NOT_FOUND carries its data', async () => {
        const error = await failure(api.users.get({ id: 'nobody' }));
        expect(api.users.isError(error, 'NOT_FOUND')).toBe(true);
        expect(error.data).toEqual({ id: 'nobody' });
      });

      it('INVALID_ARGUMENT names the fields', async () => {
        const error = await failure(api.math.add({ a: 'two', b: 3 } as never));
        expect(error.code).toBe('INVALID_ARGUMENT');
        expect(api.math.isError(error, 'INVALID_ARGUMENT') && error.data.issues.map((i) => i.path)).toEqual(['a']);
        const nested = await failure(withToken('writer').users.create({ givenName: '', familyName: 'X', email: 'not-an-email' }));
        expect(nested.code).toBe('INVALID_ARGUMENT');
        const paths = (nested.data as { issues: Array<{ path: string }> }).issues.map((i) => i.path).sort();
        expect(paths).toEqual(['email', 'givenName']);
      });

      it('UNAUTHENTICATED without or with a refused credential, PERMISSION_DENIED without the scope', async () => {
        const none = await failure(api.users.create({ givenName: 'A', familyName: 'B', email: 'a.b@example.com' }));
        expect(none.code).toBe('UNAUTHENTICATED');
        const refused = await failure(withToken('forged').users.create({ givenName: 'A', familyName: 'B', email: 'a.b@example.com' }));
        expect(refused.code).toBe('UNAUTHENTICATED');
        const denied = await failure(withToken('reader').users.update({ id: 'u1', givenName: 'Augusta' }));
        expect(denied.code).toBe('PERMISSION_DENIED');
        const keyless = await failure(api.files.upload({ name: 'x', content: new Uint8Array([1]) }));
        expect(keyless.code).toBe('UNAUTHENTICATED');
      });

      it('UNIMPLEMENTED for an unknown method, version or service', async () => {
        const call = { input: {}, metadata: {}, idempotent: false };
        expect((await failure(raw.unary({ ...call, service: 'math', version: 1, method: 'nope' }))).code).toBe('UNIMPLEMENTED');
        expect((await failure(raw.unary({ ...call, service: 'math', version: 9, method: 'add' }))).code).toBe('UNIMPLEMENTED');
        expect((await failure(raw.unary({ ...call, service: 'nothing', version: 1, method: 'add' }))).code).toBe('UNIMPLEMENTED');
      });
    });

    describe('deadlines and cancellation', () => {
      it('a zero timeout is a deadline that has already passed, on every transport', async () => {
        expect((await failure(api.math.add({ a: 1, b: 2 }, { timeoutMs: 0, retry: false }))).code).toBe('DEADLINE_EXCEEDED');
      });

      it('DEADLINE_EXCEEDED when the deadline passes, and the handler sees its signal abort', async () => {
        const before = probe.slowAborted.length;
        const started = Date.now();
        const error = await failure(api.users.get({ id: 'slow' }, { timeoutMs: 200, retry: false }));
        expect(error.code).toBe('DEADLINE_EXCEEDED');
        expect(Date.now() - started).toBeLessThan(2_000);
        await until(() => probe.slowAborted.length > before);
      });

      it('an already-expired deadline fails at once', async () => {
        const error = await failure(api.math.add({ a: 1, b: 1 }, { timeoutMs: 0.0001, retry: false }));
        expect(error.code).toBe('DEADLINE_EXCEEDED');
      });

      it('aborting the call rejects with CANCELLED and aborts the handler', async () => {
        const before = probe.slowAborted.length;
        const controller = new AbortController();
        const pending = api.users.get({ id: 'slow' }, { signal: controller.signal, retry: false });
        await new Promise((r) => setTimeout(r, 100));
        controller.abort();
        const error = await failure(pending);
        expect(error.code).toBe('CANCELLED');
        await until(() => probe.slowAborted.length > before);
        expect(probe.slowAborted[probe.slowAborted.length - 1]).toBe('CANCELLED');
      });
    });

    describe('server streams', () => {
      it('delivers every item in order, then ends', async () => {
        const ticks = [];
        for await (const tick of api.ticker.watch({ symbol: 'ACME', count: 5, intervalMs: 0 })) ticks.push(tick);
        expect(ticks.map((t) => t.seq)).toEqual([0, 1, 2, 3, 4]);
        expect(ticks[0]).toEqual({ symbol: 'ACME', seq: 0, price: 100, at: '2024-01-01T00:00:00.000Z' });
      });

      it('an error before the first item rejects the iteration, typed', async () => {
        const error = await failure((async () => {
          for await (const _ of api.files.download({ id: 'missing' })) void _;
        })());
        expect(api.files.isError(error, 'NOT_FOUND')).toBe(true);
        expect(error.data).toEqual({ id: 'missing' });
        const invalid = await failure((async () => {
          for await (const _ of api.ticker.watch({ symbol: 'lowercase' })) void _;
        })());
        expect(invalid.code).toBe('INVALID_ARGUMENT');
      });

      it('an error mid-stream arrives after the items sent before it', async () => {
        const seen: number[] = [];
        const error = await failure((async () => {
          for await (const tick of api.ticker.watch({ symbol: 'FAIL', count: 5, intervalMs: 0 })) seen.push(tick.seq);
        })());
        expect(seen).toEqual([0, 1]);
        expect(error.code).toBe('FAILED_PRECONDITION');
        expect(error.message).toContain('FAIL feed');
      });

      it('breaking out of the loop stops the server generator', async () => {
        const finishedBefore = probe.watchFinished;
        const yieldedBefore = probe.watchYielded;
        const seen: number[] = [];
        for await (const tick of api.ticker.watch({ symbol: 'SLOW', count: 1_000, intervalMs: 20 })) {
          seen.push(tick.seq);
          if (seen.length === 3) break;
        }
        expect(seen).toEqual([0, 1, 2]);
        await until(() => probe.watchFinished > finishedBefore);
        const yielded = probe.watchYielded - yieldedBefore;
        await new Promise((r) => setTimeout(r, 200));
        expect(probe.watchYielded - yieldedBefore).toBe(yielded); // nothing more was produced
        expect(yielded).toBeLessThan(20);
      });

      it('aborting the signal of a stream cancels it', async () => {
        const finishedBefore = probe.watchFinished;
        const controller = new AbortController();
        const error = await failure((async () => {
          for await (const tick of api.ticker.watch({ symbol: 'SLOW', count: 1_000, intervalMs: 20 }, { signal: controller.signal })) {
            if (tick.seq === 1) controller.abort();
          }
        })());
        expect(error.code).toBe('CANCELLED');
        await until(() => probe.watchFinished > finishedBefore);
      });

      it('a stream deadline ends it with DEADLINE_EXCEEDED', async () => {
        const error = await failure((async () => {
          for await (const _ of api.ticker.watch({ symbol: 'SLOW', count: 1_000, intervalMs: 20 }, { timeoutMs: 150 })) void _;
        })());
        expect(error.code).toBe('DEADLINE_EXCEEDED');
      });
    });

    describe('binary payloads', () => {
      const files = () => createClients(raw, { metadata: { 'x-api-key': 'file-key' } }).files;
      const sample = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 8)) & 0xff);

      it('uploads bytes and downloads them back, every byte value intact', async () => {
        const content = sample(256 * 3 + 5);
        const stored = await files().upload({ name: 'sample.bin', content });
        expect(stored.size).toBe(content.length);
        const chunks: Uint8Array[] = [];
        for await (const part of files().download({ id: stored.id, chunkSize: 256 })) chunks.push(asBytes(part.chunk));
        expect(chunks).toHaveLength(4);
        const joined = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        let offset = 0;
        for (const c of chunks) {
          joined.set(c, offset);
          offset += c.length;
        }
        expect(Buffer.from(joined).equals(Buffer.from(content))).toBe(true);
      });

      it('carries a larger payload (200 KiB)', async () => {
        const content = sample(200 * 1024);
        const stored = await files().upload({ name: 'big.bin', content });
        expect(stored.size).toBe(content.length);
        let total = 0;
        for await (const part of files().download({ id: stored.id })) total += asBytes(part.chunk).length;
        expect(total).toBe(content.length);
      });
    });
  });
}
