import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../../generated/index.js';
import { Dispatcher } from 'accord-rpc/core';
import { AccordError, bindService } from 'accord-rpc/core';
import { memoryTransport } from 'accord-rpc/testing';
import { mathService } from '../../examples/handlers/math.js';
import { createUsersServices } from '../../examples/handlers/users.js';
import { filesService } from '../../examples/handlers/files.js';
import { createTickerService } from '../../examples/handlers/ticker.js';
import { math } from '../../contracts/math.js';

const dir = mkdtempSync(join(tmpdir(), 'accord-files-test-'));
const users = createUsersServices();
const dispatcher = new Dispatcher({
  services: [mathService, users.v1, users.v2, filesService, createTickerService()],
  authenticate: ({ type, token }) =>
    type === 'bearer' && token === 'admin' ? { subject: 'admin', scopes: ['users:write'] }
    : type === 'bearer' && token === 'reader' ? { subject: 'reader' }
    : type === 'apiKey' && token === 'key' ? { subject: 'integration' }
    : null,
});
const admin = createClients(memoryTransport(dispatcher, { metadata: { authorization: 'Bearer admin', 'x-api-key': 'key' } }));
const anonymous = createClients(memoryTransport(dispatcher));

beforeAll(() => { process.env.ACCORD_FILES_DIR = dir; });
afterAll(() => { delete process.env.ACCORD_FILES_DIR; rmSync(dir, { recursive: true, force: true }); });

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'ok', (e: AccordError) => e.code);

describe('memoryTransport with the generated clients', () => {
  it('math: add, fib, divide and its typed error', async () => {
    expect(await admin.math.add({ a: 2, b: 3 })).toEqual({ sum: 5 });
    expect(await admin.math.fib({ n: 20 })).toEqual({ value: 6765 });
    expect(await admin.math.divide({ a: 9, b: 3 })).toEqual({ quotient: 3 });
    const error = await admin.math.divide({ a: 1, b: 0 }).catch((e) => e);
    expect(admin.math.isError(error, 'DIVISION_BY_ZERO') && error.data.dividend).toBe(1);
  });

  it('users v1 and v2: create, get, list, update, remove, typed errors, auth and events', async () => {
    const created: unknown[] = [];
    const removed: unknown[] = [];
    const offCreated = anonymous.usersV2.on('created', (u) => created.push(u.email));
    const offRemoved = anonymous.usersV2.on('removed', (r) => removed.push(r.id));

    const ada = await admin.usersV2.create({ givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.com' });
    expect(await codeOf(admin.usersV2.create({ givenName: 'A', familyName: 'L', email: 'ada@example.com' }))).toBe('ALREADY_EXISTS');
    expect(await codeOf(anonymous.usersV2.create({ givenName: 'A', familyName: 'B', email: 'x@example.com' }))).toBe('UNAUTHENTICATED');
    const reader = createClients(memoryTransport(dispatcher, { metadata: { authorization: 'Bearer reader' } }));
    expect(await codeOf(reader.usersV2.remove({ id: ada.id }))).toBe('PERMISSION_DENIED');

    const v1Created: unknown[] = [];
    const offV1 = anonymous.usersV1.on('created', (u) => v1Created.push(u.name));
    const grace = await admin.usersV1.create({ name: 'Grace Brewster Hopper', email: 'grace@example.com' });
    expect(grace.name).toBe('Grace Brewster Hopper');
    expect(await admin.usersV2.get({ id: grace.id })).toMatchObject({ givenName: 'Grace Brewster', familyName: 'Hopper' });
    expect(await admin.usersV1.get({ id: ada.id })).toEqual({ id: ada.id, name: 'Ada Lovelace', email: 'ada@example.com' });

    const page1 = await admin.usersV1.list({ limit: 1 });
    expect(page1.items).toHaveLength(1);
    const page2 = await admin.usersV1.list({ limit: 1, cursor: page1.nextCursor });
    expect(page2.items[0]!.id).toBe(grace.id);
    expect((await admin.usersV2.list({ nameContains: 'HOPPER' })).items.map((u) => u.id)).toEqual([grace.id]);

    expect(await admin.usersV2.update({ id: ada.id, familyName: 'King' })).toMatchObject({ familyName: 'King' });
    expect(await admin.usersV2.remove({ id: ada.id })).toEqual({ removed: true });
    const missing = await admin.usersV2.get({ id: ada.id }).catch((e) => e);
    expect(admin.usersV2.isError(missing, 'NOT_FOUND') && missing.data.id).toBe(ada.id);
    expect(await codeOf(admin.usersV1.get({ id: 'nobody' }))).toBe('NOT_FOUND');

    await new Promise((r) => setTimeout(r, 10));
    expect(created).toEqual(['ada@example.com']);
    expect(v1Created).toEqual(['Grace Brewster Hopper']);
    expect(removed).toEqual([ada.id]);
    offCreated(); offRemoved(); offV1();
  });

  it('files: upload (api key, TOO_LARGE) and download in chunks, content-addressed', async () => {
    const content = new Uint8Array(10_000).map((_, i) => i % 251);
    expect(await codeOf(anonymous.files.upload({ name: 'a.bin', content }))).toBe('UNAUTHENTICATED');
    const stored = await admin.files.upload({ name: 'a.bin', content });
    expect(stored).toMatchObject({ size: 10_000, id: stored.sha256 });
    expect((await admin.files.upload({ name: 'copy.bin', content })).id).toBe(stored.id);

    const chunks: Uint8Array[] = [];
    for await (const { offset, chunk } of anonymous.files.download({ id: stored.id, chunkSize: 4096 })) {
      expect(offset).toBe(chunks.reduce((n, c) => n + c.byteLength, 0));
      chunks.push(chunk);
    }
    expect(chunks.map((c) => c.byteLength)).toEqual([4096, 4096, 1808]);
    expect(Buffer.concat(chunks).equals(Buffer.from(content))).toBe(true);

    const notFound = async () => { for await (const _ of anonymous.files.download({ id: 'f'.repeat(64) })) void _; };
    expect(await codeOf(notFound())).toBe('NOT_FOUND');

    process.env.ACCORD_FILES_MAX_BYTES = '100';
    try {
      const error = await admin.files.upload({ name: 'big.bin', content }).catch((e) => e);
      expect(admin.files.isError(error, 'TOO_LARGE') && error.data.limit).toBe(100);
    } finally {
      delete process.env.ACCORD_FILES_MAX_BYTES;
    }
  });

  it('ticker: watch streams count ticks and stops when the consumer breaks; publish emits alert', async () => {
    const ticks = [];
    for await (const tick of anonymous.ticker.watch({ symbol: 'ACME', count: 3, intervalMs: 1 })) ticks.push(tick);
    expect(ticks.map((t) => t.seq)).toEqual([1, 2, 3]);

    const started = Date.now();
    for await (const tick of anonymous.ticker.watch({ symbol: 'ACME', count: 1000, intervalMs: 20 })) if (tick.seq === 2) break;
    expect(Date.now() - started).toBeLessThan(1_000);

    const alerts: unknown[] = [];
    const off = anonymous.ticker.on('alert', (a) => alerts.push(a));
    expect(await anonymous.ticker.publish({ symbol: 'ACME', price: 90, threshold: 100 })).toEqual({ alerted: false });
    expect(await anonymous.ticker.publish({ symbol: 'ACME', price: 101 })).toEqual({ alerted: true });
    expect(await anonymous.ticker.publish({ symbol: 'ACME', price: 99 })).toEqual({ alerted: true });
    await new Promise((r) => setTimeout(r, 10));
    expect(alerts).toEqual([
      { symbol: 'ACME', price: 101, threshold: 100, direction: 'up' },
      { symbol: 'ACME', price: 99, threshold: 100, direction: 'down' },
    ]);
    off();
  });

  it('a watch stops promptly when its signal aborts', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = (async () => {
      for await (const tick of anonymous.ticker.watch({ symbol: 'ACME', count: 1000, intervalMs: 50 }, { signal: controller.signal })) seen.push(tick.seq);
    })();
    setTimeout(() => controller.abort(), 120);
    const started = Date.now();
    expect(await codeOf(run)).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(500);
    expect(seen.length).toBeLessThan(5);
  });

  it('catches values that do not survive the wire, naming the path', async () => {
    const leaky = bindService(math, {
      add: () => ({ sum: 1, extra: new Map() }),
      fib: () => ({ value: new Date() as unknown as number }),
      divide: () => ({ quotient: 1 }),
    });
    const client = createClients(memoryTransport(new Dispatcher({ services: [leaky], validateOutput: false }))).math;
    const error = await client.add({ a: 1, b: 2 }).catch((e) => e);
    expect(error).toBeInstanceOf(AccordError);
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toMatch(/output\.extra is a Map/);
    await expect(client.fib({ n: 1 })).rejects.toThrow(/output\.value is a Date/);
    await expect(client.add({ a: 1, b: (() => 2) as unknown as number })).rejects.toThrow(/input\.b is a function/);
  });
});
