/**
 * Retries as the server sees them: the generated client's base (ServiceClient) retries idempotent
 * methods on UNAVAILABLE with exponential backoff and full jitter, and never retries the others.
 * The handler counts every attempt that reaches it and when it arrived, over real HTTP and
 * WebSocket servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { service, unary } from 'accord-rpc/contract';
import { ServiceClient, type ClientOptions, type ClientTransport } from 'accord-rpc/client';
import { AccordError, bindService, Dispatcher } from 'accord-rpc/core';
import { httpClient, httpTransport, type HttpTransport } from 'accord-rpc/http';
import { wsClient, wsTransport, type WsServerTransport } from 'accord-rpc/ws';

const flaky = service({
  name: 'flaky',
  version: 1,
  methods: {
    read: unary({ input: z.object({ key: z.string(), failures: z.number() }), output: z.object({ attempts: z.number() }), idempotent: true, runs: 'inline' }),
    write: unary({ input: z.object({ key: z.string(), failures: z.number() }), output: z.object({ attempts: z.number() }), runs: 'inline' }),
  },
});

/** When each attempt of a key reached the handler. */
const arrivals = new Map<string, number[]>();

function attempt({ key, failures }: { key: string; failures: number }): { attempts: number } {
  const seen = arrivals.get(key) ?? [];
  seen.push(performance.now());
  arrivals.set(key, seen);
  if (seen.length <= failures) throw new AccordError('UNAVAILABLE', `attempt ${seen.length} of ${key} refused on purpose`);
  return { attempts: seen.length };
}

interface FlakyClient {
  read(input: { key: string; failures: number }): Promise<{ attempts: number }>;
  write(input: { key: string; failures: number }): Promise<{ attempts: number }>;
}
class FlakyClient extends ServiceClient {
  constructor(transport: ClientTransport, options?: ClientOptions) {
    super(transport, { service: 'flaky', version: 1, methods: { read: { kind: 'unary', idempotent: true }, write: { kind: 'unary', idempotent: false } } }, options);
  }
}

let http: HttpTransport;
let ws: WsServerTransport;
beforeAll(async () => {
  const dispatcher = new Dispatcher({ services: [bindService(flaky, { read: attempt, write: attempt })] });
  http = httpTransport({ host: '127.0.0.1', port: 0, docs: false });
  await http.start(dispatcher);
  ws = wsTransport({ port: 0 });
  await ws.start(dispatcher);
});
afterAll(async () => {
  await http?.stop({ graceMs: 100 });
  await ws?.stop({ graceMs: 100 });
});

const transports: Array<[string, () => ClientTransport]> = [
  ['http', () => httpClient({ url: http.url })],
  ['ws', () => wsClient({ url: ws.url! })],
];

describe.each(transports)('retries over %s', (name, makeTransport) => {
  it('an idempotent method is attempted again until it succeeds, each attempt reaching the server', async () => {
    const client = new FlakyClient(makeTransport(), { retry: { retries: 3, initialDelayMs: 5 } });
    await expect(client.read({ key: `${name}-ok`, failures: 2 })).resolves.toEqual({ attempts: 3 });
    expect(arrivals.get(`${name}-ok`)).toHaveLength(3);
    await expect(client.read({ key: `${name}-exhausted`, failures: 10 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(arrivals.get(`${name}-exhausted`)).toHaveLength(4); // the first attempt and 3 retries
  });

  it('a method that is not idempotent reaches the server exactly once', async () => {
    const client = new FlakyClient(makeTransport(), { retry: { retries: 3, initialDelayMs: 5 } });
    await expect(client.write({ key: `${name}-once`, failures: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await new Promise((r) => setTimeout(r, 100));
    expect(arrivals.get(`${name}-once`)).toHaveLength(1);
  });

  it('the waits between attempts grow exponentially and are jittered', async () => {
    const initial = 40;
    const client = new FlakyClient(makeTransport(), { retry: { retries: 3, initialDelayMs: initial, maxDelayMs: 10_000 } });
    const calls = 12;
    // One after the other: concurrent calls would stretch each other's round trips.
    for (let i = 0; i < calls; i++) await client.read({ key: `${name}-jitter-${i}`, failures: 3 });
    // gaps[k]: the wait before retry k+1, one sample per call.
    const gaps: number[][] = [[], [], []];
    for (let i = 0; i < calls; i++) {
      const times = arrivals.get(`${name}-jitter-${i}`)!;
      expect(times).toHaveLength(4);
      for (let k = 0; k < 3; k++) gaps[k].push(times[k + 1] - times[k]);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    // Full jitter: wait k is uniform in [0, initial * 2^k] (medians about 20, 40 and 80 ms), plus
    // the round trip of each attempt, which a busy machine stretches: hence medians, with room.
    for (let k = 0; k < 3; k++) expect(median(gaps[k])).toBeLessThan(initial * 2 ** k + 50);
    expect(mean(gaps[2])).toBeGreaterThan(mean(gaps[0]) * 1.5);
    // Jitter: the waits before the same retry differ from call to call.
    const spread = Math.max(...gaps[2]) - Math.min(...gaps[2]);
    expect(spread).toBeGreaterThan(initial / 2);
  });
});
