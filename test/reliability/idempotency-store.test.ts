/**
 * The idempotency store stays bounded, measured on real HTTP servers: it keeps at most `maxEntries`
 * finished outcomes (the oldest are forgotten first, and a forgotten key runs again), and forgets
 * each one `ttlMs` after its attempt finished (then the key runs again too).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Dispatcher, IdempotencyConfig } from 'accord-rpc/core';
import { httpClient, httpTransport, type HttpTransport } from 'accord-rpc/http';
import { Ledger, LedgerClient } from './support/ledger.js';

const servers: HttpTransport[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop({ graceMs: 100 })));
});

async function serve(config: IdempotencyConfig): Promise<{ ledger: Ledger; dispatcher: Dispatcher; client: LedgerClient }> {
  const ledger = new Ledger();
  const dispatcher = ledger.dispatcher(config);
  const server = httpTransport({ host: '127.0.0.1', port: 0, docs: false });
  await server.start(dispatcher);
  servers.push(server);
  return { ledger, dispatcher, client: new LedgerClient(httpClient({ url: server.url }), { retry: false }) };
}

const keyed = (key: string) => ({ metadata: { 'idempotency-key': key } });

describe('the idempotency store is bounded', () => {
  it('keeps at most maxEntries outcomes: the oldest keys are forgotten first and run again, the newest are replayed', async () => {
    const { ledger, dispatcher, client } = await serve({ idempotency: { maxEntries: 20, ttlMs: 60_000 } });
    const store = dispatcher.idempotency!;
    const account = 'bounded';
    for (let i = 0; i < 100; i++) await client.append({ account, amount: i }, keyed(`key-${i}`));
    expect(ledger.runs.get(account)).toBe(100);
    expect(store.size).toBe(20);
    expect(store.running).toBe(0);

    await expect(client.append({ account, amount: 99 }, keyed('key-99'))).resolves.toEqual({ account, run: 100 });
    await expect(client.append({ account, amount: 80 }, keyed('key-80'))).resolves.toEqual({ account, run: 81 });
    expect(ledger.runs.get(account)).toBe(100);
    await expect(client.append({ account, amount: 0 }, keyed('key-0'))).resolves.toEqual({ account, run: 101 });
    expect(store.size).toBe(20);
  });

  it('forgets an outcome ttlMs after its attempt finished: the key then runs again', async () => {
    const { ledger, dispatcher, client } = await serve({ idempotency: { maxEntries: 1_000, ttlMs: 1_000 } });
    const store = dispatcher.idempotency!;
    const account = 'expiring';
    for (let i = 0; i < 10; i++) await client.append({ account, amount: i }, keyed(`ttl-${i}`));
    const finishedAt = Date.now();
    expect(store.size).toBe(10);
    await expect(client.append({ account, amount: 9 }, keyed('ttl-9'))).resolves.toEqual({ account, run: 10 });

    // Waiting past the TTL of every entry (the last finished just before `finishedAt`).
    await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() - finishedAt) + 50));
    expect(store.size).toBe(0);
    await expect(client.append({ account, amount: 9 }, keyed('ttl-9'))).resolves.toEqual({ account, run: 11 });
    expect(store.size).toBe(1);
  });

  it('rejects limits that are not positive integers, naming the option', async () => {
    const ledger = new Ledger();
    expect(() => ledger.dispatcher({ idempotency: { maxEntries: 0 } })).toThrow(/idempotency\.maxEntries must be a positive integer/);
    expect(() => ledger.dispatcher({ idempotency: { ttlMs: 1.5 } })).toThrow(/idempotency\.ttlMs must be a positive integer/);
  });

  it('is not there at all with idempotency: false, and a key is then plain metadata', async () => {
    const { ledger, dispatcher, client } = await serve({ idempotency: false });
    expect(dispatcher.idempotency).toBeUndefined();
    await client.append({ account: 'off', amount: 1 }, keyed('k'));
    await client.append({ account: 'off', amount: 1 }, keyed('k'));
    expect(ledger.runs.get('off')).toBe(2);
  });
});
