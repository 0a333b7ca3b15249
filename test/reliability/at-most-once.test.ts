/**
 * At most once, over real HTTP and WebSocket servers on 127.0.0.1 with a TCP proxy in between that
 * loses replies and connections: a non-idempotent call retried under its idempotency key runs its
 * handler once, and every attempt gets the first attempt's outcome. The handler counts its runs and
 * a guard counts the attempts that reached the server, so each test sees both.
 */
import { describe, expect, it } from 'vitest';
import type { ClientTransport } from 'accord-rpc/client';
import { httpClient } from 'accord-rpc/http';
import { wsClient } from 'accord-rpc/ws';
import { LedgerClient, until } from './support/ledger.js';
import { proxiedLedgerForTests } from './support/proxied-ledger.js';
import type { TcpProxy } from './support/tcp-proxy.js';

const RETRY_UNDER_KEY = { retries: 3, initialDelayMs: 10, maxDelayMs: 50, nonIdempotent: true };

const fixture = proxiedLedgerForTests();
const { ledger } = fixture;

interface Path {
  proxy: () => TcpProxy;
  /** A client transport through the proxy, connected (so the next thing the server sends is an answer). */
  open: (metadata?: Record<string, string>) => Promise<ClientTransport>;
}

const paths: Array<[string, Path]> = [
  ['HTTP', {
    proxy: () => fixture.served.httpProxy,
    open: async (metadata) => fixture.track(httpClient({ url: fixture.served.httpUrl, metadata })),
  }],
  ['WebSocket', {
    proxy: () => fixture.served.wsProxy,
    open: async (metadata) => {
      const transport = fixture.track(wsClient({ url: fixture.served.wsUrl, metadata }));
      await transport.connect();
      return transport;
    },
  }],
];

describe.each(paths)('at most once over %s', (name, path) => {
  it('a reply lost after the handler ran is retried under the same key: the handler ran once and the caller gets the first result', async () => {
    const client = new LedgerClient(await path.open(), { retry: RETRY_UNDER_KEY });
    const account = `${name}-lost-reply`;
    const lost = path.proxy().dropNextReply();
    await expect(client.append({ account, amount: 5 })).resolves.toEqual({ account, run: 1 });
    await lost;
    expect(ledger.arrivals.get(account)).toBe(2); // the retry reached the server...
    expect(ledger.runs.get(account)).toBe(1); // ...and was answered without running again
  });

  it('a retry that arrives while the first attempt still runs waits for it and gets the same result', async () => {
    const client = new LedgerClient(await path.open(), { retry: RETRY_UNDER_KEY });
    const account = `${name}-joined`;
    const answer = client.append({ account, amount: 5, hold: true });
    await until(() => ledger.runs.get(account) === 1, 'the first attempt runs');
    path.proxy().cutAll(); // the caller's connection dies while its handler runs
    await until(() => ledger.arrivals.get(account) === 2, 'the retry arrives');
    ledger.release(account);
    await expect(answer).resolves.toEqual({ account, run: 1 });
    expect(ledger.runs.get(account)).toBe(1);
  });

  it('without retry.nonIdempotent a lost reply is not retried: the caller sees UNAVAILABLE and the server one attempt', async () => {
    const client = new LedgerClient(await path.open(), { retry: { retries: 3, initialDelayMs: 10 } });
    const account = `${name}-not-retried`;
    const lost = path.proxy().dropNextReply();
    await expect(client.append({ account, amount: 5 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await lost;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ledger.arrivals.get(account)).toBe(1);
    expect(ledger.runs.get(account)).toBe(1);
  });
});

describe('what the server remembers under a key (over HTTP)', () => {
  const as = (token?: string) => new LedgerClient(fixture.track(httpClient({ url: fixture.served.httpUrl, metadata: token ? { authorization: `Bearer ${token}` } : {} })), { retry: false });
  const keyed = (key: string) => ({ metadata: { 'idempotency-key': key } });

  it('one caller never gets another caller\'s outcome for the same key', async () => {
    const account = 'shared-key';
    const same = keyed('the-same-key-for-everyone');
    await expect(as('alice').append({ account, amount: 1 }, same)).resolves.toEqual({ account, run: 1 });
    await expect(as('bob').append({ account, amount: 1 }, same)).resolves.toEqual({ account, run: 2 });
    await expect(as().append({ account, amount: 1 }, same)).resolves.toEqual({ account, run: 3 });
    // Each caller's own retry gets its own first outcome back.
    await expect(as('alice').append({ account, amount: 1 }, same)).resolves.toEqual({ account, run: 1 });
    await expect(as('bob').append({ account, amount: 1 }, same)).resolves.toEqual({ account, run: 2 });
    await expect(as().append({ account, amount: 1 }, same)).resolves.toEqual({ account, run: 3 });
    expect(ledger.runs.get(account)).toBe(3);
  });

  it('a declared error is remembered like output; an undeclared failure is forgotten and the next attempt runs again', async () => {
    const client = as('alice');
    for (let i = 0; i < 2; i++) {
      await expect(client.append({ account: 'declared', amount: 1, fail: 'declared' }, keyed('k-declared'))).rejects.toMatchObject({ code: 'OVERDRAWN', data: { account: 'declared' } });
      await expect(client.append({ account: 'undeclared', amount: 1, fail: 'undeclared' }, keyed('k-undeclared'))).rejects.toMatchObject({ code: 'INTERNAL' });
    }
    expect(ledger.runs.get('declared')).toBe(1);
    expect(ledger.runs.get('undeclared')).toBe(2);
  });

  it('a key that is not 1 to 255 visible ASCII characters is refused with INVALID_ARGUMENT before the handler runs', async () => {
    const client = as('alice');
    await expect(client.append({ account: 'bad-key', amount: 1 }, keyed('has a space'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('idempotency-key') });
    await expect(client.append({ account: 'bad-key', amount: 1 }, keyed('x'.repeat(256)))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(ledger.runs.get('bad-key')).toBeUndefined();
  });

  it('a call without a key runs every time', async () => {
    const client = as('alice');
    await client.append({ account: 'no-key', amount: 1 });
    await client.append({ account: 'no-key', amount: 1 });
    expect(ledger.runs.get('no-key')).toBe(2);
  });
});
