/**
 * The client's circuit breaker against real servers on 127.0.0.1: behind a TCP proxy that plays a
 * server that is down (it counts every connection a client opens) for HTTP and WebSocket, and a
 * handler that does not answer in time over NATS. After N failures in a row calls fail at once with
 * no network attempt, the cool-down ends in one probe, a failed probe doubles it, a good probe closes
 * the circuit; the metrics show each step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccordMetrics } from 'accord-rpc/observability';
import { CircuitBreaker, isCircuitRefusal, type CircuitOptions, type ClientTransport } from 'accord-rpc/client';
import { httpClient } from 'accord-rpc/http';
import { wsClient } from 'accord-rpc/ws';
import { natsClient, natsTransport, type NatsServerTransport } from 'accord-rpc/nats';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { LedgerClient, until } from './support/ledger.js';
import { proxiedLedgerForTests } from './support/proxied-ledger.js';
import type { TcpProxy } from './support/tcp-proxy.js';

const COOL_DOWN = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const fixture = proxiedLedgerForTests();
const { ledger } = fixture;

/** The value of `name{...labels}` in a Prometheus text scrape (undefined when absent). */
async function metric(metrics: AccordMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  for (const line of (await metrics.text()).split('\n')) {
    if (!line.startsWith(`${name}{`) || !Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

const paths: Array<[string, { proxy: () => TcpProxy; open: (circuit: CircuitOptions | false) => ClientTransport }]> = [
  ['HTTP', { proxy: () => fixture.served.httpProxy, open: (circuit) => httpClient({ url: fixture.served.httpUrl, circuit }) }],
  ['WebSocket', { proxy: () => fixture.served.wsProxy, open: (circuit) => wsClient({ url: fixture.served.wsUrl, circuit, connectTimeoutMs: 2_000 }) }],
];

describe.each(paths)('circuit breaker of the %s client', (name, path) => {
  function client(circuit: CircuitOptions | false, retry: { retries: number; initialDelayMs: number } | false = false): LedgerClient {
    const transport = path.open(circuit);
    fixture.track(transport);
    return new LedgerClient(transport, { retry });
  }

  it('opens after N failures in a row, fails calls at once without a network attempt, probes after the cool-down and closes after a good probe', async () => {
    const proxy = path.proxy();
    const metrics = new AccordMetrics({ defaultMetrics: false });
    const ledgerClient = client({ failures: 3, openMs: COOL_DOWN, metrics });
    proxy.down();
    try {
      for (let i = 0; i < 3; i++) {
        const failure = await ledgerClient.append({ account: `${name}-down`, amount: i }).catch((e: unknown) => e);
        expect(failure).toMatchObject({ code: 'UNAVAILABLE' });
        expect(isCircuitRefusal(failure)).toBe(false);
      }
      expect(await metric(metrics, 'accord_client_circuit_state', { state: 'open' })).toBe(1);
      expect(await metric(metrics, 'accord_client_circuit_opens_total')).toBe(1);

      // Open: ten calls fail at once, and the server side sees no connection at all.
      const attemptsBefore = proxy.connections;
      const started = performance.now();
      for (let i = 0; i < 10; i++) {
        const refusal = await ledgerClient.append({ account: `${name}-open`, amount: i }).catch((e: unknown) => e);
        expect(isCircuitRefusal(refusal)).toBe(true);
        expect(refusal).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/^circuit open for .* after 3 failed calls in a row .*one probe call goes through$/) });
      }
      expect(performance.now() - started).toBeLessThan(COOL_DOWN);
      expect(proxy.connections).toBe(attemptsBefore);
      expect(await metric(metrics, 'accord_client_circuit_rejections_total')).toBe(10);

      // Cool-down over: half-open. The probe still fails (one network attempt): open again, for twice as long.
      await sleep(COOL_DOWN + 20);
      expect(await metric(metrics, 'accord_client_circuit_state', { state: 'half_open' })).toBe(1);
      const failedProbe = await ledgerClient.append({ account: `${name}-probe`, amount: 0 }).catch((e: unknown) => e);
      expect(isCircuitRefusal(failedProbe)).toBe(false);
      expect(proxy.connections).toBe(attemptsBefore + 1);
      const reopened = await ledgerClient.append({ account: `${name}-probe`, amount: 0 }).catch((e: unknown) => e);
      expect(isCircuitRefusal(reopened)).toBe(true);
      const waitMs = (reopened as { data: { probeAt: number } }).data.probeAt - Date.now();
      expect(waitMs).toBeGreaterThan(COOL_DOWN);
      expect(waitMs).toBeLessThanOrEqual(2 * COOL_DOWN);
      expect(await metric(metrics, 'accord_client_circuit_opens_total')).toBe(2);

      // The server is back; after the cool-down one probe goes through while others still fail fast.
      proxy.up();
      await sleep(waitMs + 20);
      const account = `${name}-good-probe`;
      const probe = ledgerClient.append({ account, amount: 1, hold: true });
      await until(() => ledger.runs.get(account) === 1, 'the probe reaches the handler');
      const duringProbe = await ledgerClient.append({ account: `${name}-during-probe`, amount: 1 }).catch((e: unknown) => e);
      expect(duringProbe).toMatchObject({ code: 'UNAVAILABLE', data: { circuit: 'half-open' }, message: expect.stringContaining('a probe call is in flight') });
      ledger.release(account);
      await expect(probe).resolves.toEqual({ account, run: 1 });
      expect(await metric(metrics, 'accord_client_circuit_state', { state: 'closed' })).toBe(1);
      await expect(ledgerClient.append({ account: `${name}-closed`, amount: 1 })).resolves.toMatchObject({ run: 1 });
    } finally {
      proxy.up();
    }
  });

  it('a refusal is not retried: with retries configured the call still fails at once', async () => {
    const proxy = path.proxy();
    const retrying = client({ failures: 1, openMs: 60_000 }, { retries: 5, initialDelayMs: 200 });
    proxy.down();
    try {
      await expect(retrying.append({ account: `${name}-retried`, amount: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      const attempts = proxy.connections;
      const started = performance.now();
      const refusal = await retrying.append({ account: `${name}-retried`, amount: 1 }).catch((e: unknown) => e);
      expect(isCircuitRefusal(refusal)).toBe(true);
      expect(performance.now() - started).toBeLessThan(200); // no backoff wait before giving up
      expect(proxy.connections).toBe(attempts);
    } finally {
      proxy.up();
    }
  });

  it('with circuit: false every call is a network attempt, however many fail', async () => {
    const proxy = path.proxy();
    const unguarded = client(false);
    proxy.down();
    try {
      const before = proxy.connections;
      for (let i = 0; i < 8; i++) {
        const failure = await unguarded.append({ account: `${name}-unguarded`, amount: i }).catch((e: unknown) => e);
        expect(isCircuitRefusal(failure)).toBe(false);
      }
      expect(proxy.connections - before).toBeGreaterThanOrEqual(8);
    } finally {
      proxy.up();
    }
  });
});

describe('circuit breaker of the NATS client', () => {
  let nats: NatsServer;
  let server: NatsServerTransport;
  beforeAll(async () => {
    nats = await startNatsServer();
    server = natsTransport({ servers: nats.url });
    await server.start(ledger.dispatcher());
  });
  afterAll(async () => {
    await server?.stop({ graceMs: 100 });
    await nats?.stop();
  });

  it('opens after N timeouts in a row, then fails calls at once without sending them, and closes after a good probe', async () => {
    const metrics = new AccordMetrics({ defaultMetrics: false });
    const transport = natsClient({ servers: nats.url, circuit: { failures: 3, openMs: COOL_DOWN, metrics } });
    fixture.track(transport);
    const client = new LedgerClient(transport, { retry: false });
    const slow = ['nats-slow-0', 'nats-slow-1', 'nats-slow-2'];
    for (const account of slow) {
      await expect(client.append({ account, amount: 1, hold: true }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    }
    for (const account of slow) ledger.release(account);
    expect(await metric(metrics, 'accord_client_circuit_state', { state: 'open' })).toBe(1);

    const refusal = await client.append({ account: 'nats-open', amount: 1 }).catch((e: unknown) => e);
    expect(isCircuitRefusal(refusal)).toBe(true);
    await sleep(100); // had it been sent, it would have arrived by now
    expect(ledger.arrivals.get('nats-open')).toBeUndefined();
    expect(await metric(metrics, 'accord_client_circuit_rejections_total')).toBe(1);

    await sleep(COOL_DOWN + 20);
    await expect(client.append({ account: 'nats-probe', amount: 1 })).resolves.toEqual({ account: 'nats-probe', run: 1 });
    expect(await metric(metrics, 'accord_client_circuit_state', { state: 'closed' })).toBe(1);
    await expect(client.append({ account: 'nats-open', amount: 1 })).resolves.toEqual({ account: 'nats-open', run: 1 });
  });
});

describe('circuit breaker rules', () => {
  const unavailable = { code: 'UNAVAILABLE', message: 'connection refused' };

  it('ignores outcomes of calls admitted before the circuit changed state, and a cancelled probe hands the probe to the next call', async () => {
    const breaker = new CircuitBreaker('rules', { failures: 2, openMs: 50 });
    const admittedBeforeOpening = breaker.admit();
    breaker.settle(breaker.admit(), unavailable);
    breaker.settle(breaker.admit(), unavailable);
    expect(breaker.state).toBe('open');
    breaker.settle(admittedBeforeOpening); // a late answer from before: says nothing about now
    expect(breaker.state).toBe('open');
    expect(breaker.admit()).toBe(-1);

    await sleep(60);
    const probe = breaker.admit();
    expect(probe).toBeGreaterThanOrEqual(0);
    expect(breaker.admit()).toBe(-1); // one probe at a time
    breaker.settle(probe, { code: 'CANCELLED', message: 'the caller cancelled the call' });
    const nextProbe = breaker.admit();
    expect(nextProbe).toBeGreaterThanOrEqual(0);
    breaker.settle(nextProbe, { code: 'NOT_FOUND', message: 'an answer all the same' });
    expect(breaker.state).toBe('closed');
    expect(breaker.opens).toBe(1);
    expect(breaker.rejections).toBe(2);
  });

  it('counts only failures in a row: an answer in between starts the count again', () => {
    const breaker = new CircuitBreaker('rules', { failures: 3 });
    for (let i = 0; i < 10; i++) {
      breaker.settle(breaker.admit(), unavailable);
      breaker.settle(breaker.admit(), { code: 'DEADLINE_EXCEEDED', message: 'too slow' });
      breaker.settle(breaker.admit());
    }
    expect(breaker.state).toBe('closed');
  });

  it('keeps credentials out of its target, messages and metric labels', () => {
    expect(new CircuitBreaker('https://user:secret@api.example.com/rpc').target).toBe('https://api.example.com/rpc');
  });

  it('rejects settings that are not positive integers, naming the option', () => {
    expect(() => new CircuitBreaker('rules', { failures: 0 })).toThrow(/circuit\.failures must be a positive integer/);
    expect(() => new CircuitBreaker('rules', { openMs: -1 })).toThrow(/circuit\.openMs must be a positive integer/);
  });
});
