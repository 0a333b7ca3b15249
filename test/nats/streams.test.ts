/**
 * Server streams over NATS: credit-based flow control (a slow consumer holds the producer to its
 * window, and a consumer that pauses keeps its stream alive by heartbeat), and dead peers found by
 * heartbeat within a bounded time on both sides: a consumer process killed with SIGKILL stops the
 * server's generator, a producer process killed with SIGKILL fails the consumer with UNAVAILABLE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { service, stream } from 'accord-rpc/contract';
import { AccordError, bindService, Dispatcher } from 'accord-rpc/core';
import { natsClient, natsTransport, type NatsServerTransport } from 'accord-rpc/nats';
import { TickerV1Client } from '../../generated/ticker/client.js';
import { createTickerService } from '../../examples/handlers/ticker.js';
import { killChild, spawnTsx } from '../server/child-process.js';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { logFolder, removeFolder, serveOverNats, waitFor, waitForOutput } from './processes.js';

const HEARTBEAT_MS = 200;
/** Three silent intervals, plus the sweeps' own granularity and a margin for a busy machine. */
const DETECTION_BOUND_MS = 3 * HEARTBEAT_MS + 900;

const counter = service({
  name: 'counter',
  version: 1,
  methods: { count: stream({ input: z.object({ to: z.number().int() }), output: z.object({ n: z.number() }), runs: 'inline' }) },
});

const probe = { produced: 0, finished: 0 };
const counterService = bindService(counter, {
  async *count({ to }: { to: number }) {
    try {
      for (let n = 0; n < to; n++) {
        probe.produced++;
        yield { n };
      }
    } finally {
      probe.finished++;
    }
  },
});

let nats: NatsServer;
let server: NatsServerTransport;

beforeAll(async () => {
  nats = await startNatsServer();
  server = natsTransport({ servers: nats.url });
  await server.start(new Dispatcher({ services: [counterService, createTickerService()] }));
});

afterAll(async () => {
  await server?.stop({ graceMs: 100 });
  await nats?.stop();
});

const countCall = (to: number) => ({ service: 'counter', version: 1, method: 'count', input: { to }, metadata: {}, idempotent: false });

describe('server streams over NATS', () => {
  it('a slow consumer holds the producer to its credit window, and a pause longer than the heartbeat bound keeps the stream', async () => {
    const window = 8;
    const client = natsClient({ servers: nats.url, streamWindow: window, heartbeatMs: HEARTBEAT_MS });
    const before = { ...probe };
    const iterator = client.stream(countCall(10_000))[Symbol.asyncIterator]();
    let consumed = 0;
    try {
      for (let i = 0; i < 40; i++) {
        const next = await iterator.next();
        expect(next).toEqual({ done: false, value: { n: i } });
        consumed++;
        if (i === 0 || i === 20) {
          // Let the producer run as far as it may, then check it stopped at the window.
          await new Promise((r) => setTimeout(r, i === 0 ? 300 : DETECTION_BOUND_MS + 300));
          expect(probe.produced - before.produced).toBeLessThanOrEqual(consumed + window);
        }
      }
      expect(probe.finished).toBe(before.finished);
    } finally {
      await iterator.return?.();
      await client.close();
    }
    await waitFor(() => (probe.finished > before.finished ? true : undefined), 2_000, 'the generator to finish after break');
    expect(probe.produced - before.produced).toBeLessThanOrEqual(40 + window);
  });

  it('a stream whose handler watches ctx.signal ends normally after its last item', async () => {
    const client = natsClient({ servers: nats.url });
    try {
      const ticks: number[] = [];
      for await (const tick of new TickerV1Client(client).watch({ symbol: 'ACME', count: 3, intervalMs: 5 })) ticks.push(tick.seq);
      expect(ticks).toEqual([1, 2, 3]);
    } finally {
      await client.close();
    }
  });

  it('a consumer process killed with SIGKILL stops the server generator within the heartbeat bound', async () => {
    const before = probe.finished;
    const consumer = spawnTsx(['test/nats/fixtures/stream-consumer.ts', nats.url, String(HEARTBEAT_MS)]);
    try {
      expect((await waitForOutput(consumer, /first item (.*)\n/, 20_000))[1]).toBe('{"n":0}');
      // Alive and pinging: the stream stays open, the producer waits on credit.
      await new Promise((r) => setTimeout(r, DETECTION_BOUND_MS));
      expect(probe.finished).toBe(before);
      expect(server.inFlight).toBe(1);
      const killedAt = Date.now();
      killChild(consumer);
      await waitFor(() => (probe.finished > before ? true : undefined), 5_000, 'the generator to stop');
      expect(Date.now() - killedAt).toBeLessThan(DETECTION_BOUND_MS);
      expect(server.inFlight).toBe(0);
    } finally {
      killChild(consumer);
    }
  });

  it('a producer process killed with SIGKILL fails the consumer with UNAVAILABLE within the heartbeat bound', async () => {
    const logDir = logFolder();
    // A NATS server of its own: this file's in-process server also serves ticker, and the queue
    // group would hand it the stream about half the time, leaving nothing for the kill to break.
    const own = await startNatsServer();
    const producer = await serveOverNats([own.url], 'producer', logDir);
    const client = natsClient({ servers: own.url, heartbeatMs: HEARTBEAT_MS });
    let killedAt = 0;
    try {
      const ticker = new TickerV1Client(client);
      const seen: number[] = [];
      const error = await (async () => {
        for await (const tick of ticker.watch({ symbol: 'ACME', count: 1_000, intervalMs: 50 })) {
          seen.push(tick.seq);
          if (seen.length === 3) {
            killedAt = Date.now();
            await producer.kill();
          }
        }
      })().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(AccordError);
      expect((error as AccordError).code).toBe('UNAVAILABLE');
      expect((error as AccordError).message).toMatch(/went silent/);
      expect(Date.now() - killedAt).toBeLessThan(DETECTION_BOUND_MS);
      expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
    } finally {
      await client.close();
      await producer.kill();
      await own.stop();
      removeFolder(logDir);
    }
  });
});
