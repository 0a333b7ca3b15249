/**
 * At most once over NATS, with a real nats-server: the client reaches it through a TCP proxy that
 * cuts its connection while the handler runs, so the call fails with UNAVAILABLE ("it may or may not
 * have run") and the generated client retries it under the same idempotency key once nats.js has
 * reconnected. The serving process answers the retry from its first attempt: joined while that
 * still runs, replayed once it has finished. Either way the handler ran once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsClient, natsTransport, type NatsClientTransport, type NatsServerTransport } from 'accord-rpc/nats';
import type { Dispatcher } from 'accord-rpc/core';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { Ledger, LedgerClient, until } from './support/ledger.js';
import { TcpProxy } from './support/tcp-proxy.js';

const ledger = new Ledger();
let nats: NatsServer;
let dispatcher: Dispatcher;
let server: NatsServerTransport;
let proxy: TcpProxy;
let transport: NatsClientTransport;

beforeAll(async () => {
  nats = await startNatsServer();
  dispatcher = ledger.dispatcher();
  server = natsTransport({ servers: nats.url });
  await server.start(dispatcher);
  proxy = await TcpProxy.start(nats.port);
  // Reconnects after 300 ms: long enough for a test to act while the client is cut off.
  transport = natsClient({ servers: `nats://127.0.0.1:${proxy.port}`, reconnectTimeWait: 300, reconnectJitter: 0, ignoreClusterUpdates: true, heartbeatMs: 250 });
  await transport.connect();
});
afterAll(async () => {
  await transport?.close();
  await server?.stop({ graceMs: 100 });
  await proxy?.close();
  await nats?.stop();
});

const client = () => new LedgerClient(transport, { retry: { retries: 3, initialDelayMs: 10, maxDelayMs: 50, nonIdempotent: true } });

describe('at most once over NATS', () => {
  it('a call whose connection was cut while it ran is retried under its key and joins the running attempt: one run, its result', async () => {
    const account = 'nats-joined';
    const answer = client().append({ account, amount: 5, hold: true });
    await until(() => ledger.runs.get(account) === 1, 'the first attempt runs');
    proxy.cutAll();
    await until(() => ledger.arrivals.get(account) === 2, 'the retry arrives after the reconnect');
    expect(dispatcher.idempotency!.running).toBe(1);
    ledger.release(account);
    await expect(answer).resolves.toEqual({ account, run: 1 });
    expect(ledger.runs.get(account)).toBe(1);
  });

  it('a call whose reply was lost with the connection is retried under its key and replayed from the finished attempt: one run, its result', async () => {
    const account = 'nats-replayed';
    const remembered = dispatcher.idempotency!.size;
    const answer = client().append({ account, amount: 5, hold: true });
    await until(() => ledger.runs.get(account) === 1, 'the first attempt runs');
    proxy.cutAll();
    ledger.release(account); // it finishes while its caller is cut off: the reply goes nowhere
    await until(() => dispatcher.idempotency!.size === remembered + 1, 'the outcome is remembered');
    await expect(answer).resolves.toEqual({ account, run: 1 });
    expect(ledger.arrivals.get(account)).toBe(2);
    expect(ledger.runs.get(account)).toBe(1);
  });
});
