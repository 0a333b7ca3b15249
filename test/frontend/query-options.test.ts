/**
 * serviceQueries() with TanStack Query's own core (QueryClient, QueryObserver, MutationObserver:
 * what every framework adapter runs on) against a real server, over HTTP and WebSocket.
 */
import { MutationObserver, QueryClient, QueryObserver, hashKey } from '@tanstack/query-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AccordError, isAccordError, type ClientTransport } from 'accord-rpc/client';
import { httpClient } from 'accord-rpc/http/client';
import { startTestServer, type TestServer } from 'accord-rpc/testing';
import { wsClient } from 'accord-rpc/ws';
import demoConfig from '../../accord.config.js';
import { createTickerService } from '../../examples/handlers/ticker.js';
import { createUsersServices } from '../../examples/handlers/users.js';
import { createReportsService, type ReportOutcome } from '../../examples/frontend/handlers/reports.js';
import { ReportsV1Client } from '../../examples/frontend/generated/index.js';
import { TickerV1Client, UsersV2Client } from '../../generated/index.js';
import { serviceQueries } from 'accord-rpc/query';

let server: TestServer;
const reports: ReportOutcome[] = [];
const ADMIN = { authorization: 'Bearer demo-admin' };

beforeAll(async () => {
  server = await startTestServer({
    services: [createUsersServices().v2, createTickerService(), createReportsService((outcome) => reports.push(outcome))],
    config: { authenticate: demoConfig.authenticate },
  });
});
afterAll(() => server?.stop());

const transports: Array<[string, () => ClientTransport & { close?(): Promise<void> }]> = [
  ['http', () => httpClient({ url: server.urls.http! })],
  ['ws', () => wsClient({ url: server.urls.ws! })],
];

describe.each(transports)('TanStack Query options over %s', (_name, open) => {
  let transport: ReturnType<typeof open>;
  let queryClient: QueryClient;
  let users: UsersV2Client;
  beforeAll(() => {
    transport = open();
    users = new UsersV2Client(transport);
  });
  afterAll(() => transport.close?.());
  beforeEach(() => {
    queryClient = new QueryClient();
  });
  afterEach(() => queryClient.clear());

  it('keys are [service, version, method, input] and hash the same whatever the order of the input keys', async () => {
    const q = serviceQueries(users);
    const options = q.list.queryOptions({ limit: 5, nameContains: 'zz' });
    expect(options.queryKey).toEqual(['users', 2, 'list', { limit: 5, nameContains: 'zz' }]);
    const page = await queryClient.fetchQuery(options);
    expect(page).toEqual({ items: [] });
    const reordered = q.list.queryKey({ nameContains: 'zz', limit: 5 });
    expect(hashKey(reordered)).toBe(hashKey(options.queryKey));
    expect(queryClient.getQueryData(reordered)).toEqual(page);
    // An omitted input is the `{}` the client sends.
    expect(q.list.queryKey()).toEqual(['users', 2, 'list', {}]);
  });

  it('the method prefix invalidates only that method; the service prefix every query of the service', async () => {
    const q = serviceQueries(users);
    const created = await users.create({ givenName: 'Key', familyName: 'Prefix', email: `prefix-${_name}@example.com` }, { metadata: ADMIN });
    await queryClient.fetchQuery(q.list.queryOptions({ limit: 1 }));
    await queryClient.fetchQuery(q.get.queryOptions({ id: created.id }));
    const invalidated = () => queryClient.getQueryCache().findAll({ queryKey: q.$key() }).filter((query) => query.state.isInvalidated).map((query) => query.queryKey[2]);
    await queryClient.invalidateQueries({ queryKey: q.list.key() });
    expect(invalidated()).toEqual(['list']);
    await queryClient.invalidateQueries({ queryKey: q.$key() });
    expect(invalidated().sort()).toEqual(['get', 'list']);
  });

  it('a mutation calls the method; its typed errors stay AccordErrors that isError narrows', async () => {
    const q = serviceQueries(users);
    const signedIn = new MutationObserver(queryClient, q.create.mutationOptions({ metadata: ADMIN }));
    const bad = await signedIn.mutate({ givenName: 'Bad', familyName: 'Mail', email: 'not-an-email' }).catch((error: unknown) => error);
    expect(users.isError(bad, 'INVALID_ARGUMENT') && bad.data.issues.map((issue) => issue.path)).toEqual(['email']);
    expect(signedIn.getCurrentResult().error).toBe(bad);

    const anonymous = new MutationObserver(queryClient, q.create.mutationOptions());
    const refused = await anonymous.mutate({ givenName: 'No', familyName: 'Token', email: `anon-${_name}@example.com` }).catch((error: unknown) => error);
    expect(users.isError(refused, 'UNAUTHENTICATED')).toBe(true);

    const good = await signedIn.mutate({ givenName: 'Grace', familyName: 'Hopper', email: `grace-${_name}@example.com` });
    expect(good).toMatchObject({ givenName: 'Grace', familyName: 'Hopper' });
    expect(q.create.mutationOptions().mutationKey).toEqual(['users', 2, 'create']);
  });

  it("a contract's typed error fails the query at once; only transient codes are retried", async () => {
    const q = serviceQueries(users);
    const error = await queryClient.fetchQuery(q.get.queryOptions({ id: 'nobody' })).catch((e: unknown) => e);
    expect(users.isError(error, 'NOT_FOUND') && error.data).toEqual({ id: 'nobody' });
    expect(queryClient.getQueryState(q.get.queryKey({ id: 'nobody' }))?.fetchFailureCount).toBe(1);
    const { retry } = q.get.queryOptions({ id: 'x' });
    expect([retry(0, new AccordError('NOT_FOUND', '')), retry(0, new AccordError('UNAVAILABLE', '')), retry(3, new AccordError('UNAVAILABLE', ''))]).toEqual([false, true, false]);
  });

  it("a query that goes unused while its call runs is cancelled, and the handler's ctx.signal aborts", async () => {
    const q = serviceQueries(new ReportsV1Client(transport));
    const name = `unused over ${_name}`;
    const observer = new QueryObserver(queryClient, q.build.queryOptions({ name, delayMs: 20_000 }));
    const stop = observer.subscribe(() => undefined);
    await expect.poll(() => reports.filter((r) => r.name === name).map((r) => r.outcome), { timeout: 5_000 }).toContain('started');
    stop(); // the last observer leaves, as when a component unmounts
    await expect.poll(() => reports.filter((r) => r.name === name).map((r) => r.outcome), { timeout: 5_000 }).toEqual(['started', 'cancelled']);
  }, 15_000);

  it('a server stream is a streamed query: it succeeds with the first item and grows until the stream ends', async () => {
    const q = serviceQueries(new TickerV1Client(transport));
    const symbol = _name === 'http' ? 'STRH' : 'STRW';
    const observer = new QueryObserver(queryClient, q.watch.streamedOptions({ symbol, count: 4, intervalMs: 100 }));
    const whileFetching: number[] = [];
    const stop = observer.subscribe((result) => {
      if (result.status === 'success' && result.fetchStatus === 'fetching') whileFetching.push(result.data.length);
    });
    try {
      await expect.poll(() => observer.getCurrentResult().fetchStatus, { timeout: 5_000 }).toBe('idle');
      const result = observer.getCurrentResult();
      expect(result.status).toBe('success');
      expect(result.data?.map((tick) => tick.seq)).toEqual([1, 2, 3, 4]);
      // Items were data before the stream ended.
      expect(whileFetching[0]).toBe(1);
    } finally {
      stop();
    }
  }, 15_000);

  it('errors are never wrapped: what the query holds is the AccordError the client threw', async () => {
    const q = serviceQueries(new TickerV1Client(transport));
    const observer = new QueryObserver(queryClient, q.watch.streamedOptions({ symbol: 'lowercase' }));
    const stop = observer.subscribe(() => undefined);
    try {
      await expect.poll(() => observer.getCurrentResult().status, { timeout: 5_000 }).toBe('error');
      const { error } = observer.getCurrentResult();
      expect(isAccordError(error) && error.code).toBe('INVALID_ARGUMENT');
    } finally {
      stop();
    }
  }, 15_000);
});
