/**
 * Resource attacks on the WebSocket transport, against a server in its own process (memory measured
 * there after a full GC): 2,000 idle and half-open connections, a flood of subscriptions with a
 * consumer that stops reading, streams whose consumer never grants credit, oversize messages.
 * Throughout, a well-behaved client keeps calling; afterwards the memory is back near where it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ConnectionFlood, eventually, sleep } from './support/connection-flood.js';
import { growth, MiB, Target } from './support/target.js';
import { WellBehavedClients } from './support/well-behaved.js';

const LIMITS = { maxConnections: 1_300, helloTimeoutMs: 3_000, idleTimeoutMs: 5_000, maxEventBufferBytes: 1 * MiB, maxFrameBytes: 1 * MiB };

describe('WebSocket resource limits', () => {
  let target: Target;
  let clients: WellBehavedClients;
  let url: string;
  let port: number;
  beforeAll(async () => {
    target = await Target.start({ ws: LIMITS });
    url = target.ready.ws!;
    port = Number(new URL(url).port);
    clients = new WellBehavedClients(target, ['ws']);
    await clients.check();
  });
  afterAll(async () => {
    await clients?.close();
    await target?.stop();
  });

  const open = async (n: number, hello: boolean) => {
    const flood = new ConnectionFlood();
    await flood.ws(url, n, hello);
    return flood;
  };
  /** Sends frames on an open socket and resolves once `count` frames of `type` came back. */
  const frames = (socket: WebSocket, payload: unknown, type: string, count: number) => new Promise<Array<Record<string, unknown>>>((resolve) => {
    const seen: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => {
      const value = JSON.parse(data.toString());
      for (const frame of Array.isArray(value) ? value : [value]) if (frame.type === type || (type === 'any-answer' && frame.id !== undefined)) seen.push(frame);
      if (seen.length >= count) resolve(seen);
    });
    socket.send(JSON.stringify(payload));
  });

  it('holds 2,000 idle and half-open connections in bounded memory, refuses past maxConnections with 503, and closes them on time', async () => {
    const before = await target.memory();
    const stop = clients.keepCalling();
    const flood = new ConnectionFlood();
    try {
      await flood.ws(url, 1_000, true); // say hello, then nothing
      await flood.ws(url, 600, false); // upgrade, never say hello: past maxConnections, refused
      await flood.tcp(port, 400); // never upgrade
      const peak = await target.memory();
      const held = (await target.stats()).wsConnections!;
      expect(held).toBeLessThanOrEqual(LIMITS.maxConnections);
      const refused = flood.refusals.get(503) ?? 0;
      expect(refused).toBeGreaterThanOrEqual(200);
      // Silent sockets and hello-less WebSockets go after helloTimeoutMs (1002); idle ones after idleTimeoutMs.
      expect(await eventually(() => flood.closed.tcp === 400 && (flood.closeCodes.get(1002) ?? 0) === 600 - refused, LIMITS.helloTimeoutMs + 3_000)).toBe(true);
      expect(await eventually(async () => (await target.stats()).wsConnections! <= 1, LIMITS.idleTimeoutMs + 3_000)).toBe(true);
      const summary = await stop();
      const after = await target.memory();
      console.log(`ws 2,000 connections: ${held} held; growth at peak ${JSON.stringify(growth(before, peak))} MiB, after ${JSON.stringify(growth(before, after))} MiB; well-behaved: ${summary.rounds} rounds, slowest ${summary.slowestMs} ms`);
      expect(summary.failures).toEqual([]);
      expect(peak.heapUsed + peak.external - before.heapUsed - before.external).toBeLessThan(48 * MiB);
      expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * MiB);
    } finally {
      flood.close();
      await stop();
    }
  }, 40_000);

  it('answers a flood of subscriptions with RESOURCE_EXHAUSTED past the per-connection limit, in bounded memory', async () => {
    const before = await target.memory();
    const flood = await open(20, true);
    try {
      const answers = (await Promise.all(flood.websockets.map((socket) => frames(socket, Array.from({ length: 1_050 }, (_, i) => (
        { type: 'subscribe', id: i + 1, service: 'ticker', event: 'alert' })), 'any-answer', 1_050)))).flat();
      expect(answers.filter((f) => f.type === 'subscribed')).toHaveLength(20 * 1_000);
      expect(answers.filter((f) => f.type === 'error').map((f) => (f.error as { code: string }).code)).toEqual(Array(20 * 50).fill('RESOURCE_EXHAUSTED'));
      expect((await target.stats()).wsSubscriptions).toBe(20_000);
      const peak = await target.memory();
      await clients.check();
      flood.close();
      expect(await eventually(async () => (await target.stats()).wsSubscriptions === 0, 5_000)).toBe(true);
      const after = await target.memory();
      console.log(`ws 20,000 subscriptions: growth at peak ${JSON.stringify(growth(before, peak))} MiB, after ${JSON.stringify(growth(before, after))} MiB`);
      expect(peak.heapUsed - before.heapUsed).toBeLessThan(48 * MiB);
      expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * MiB);
    } finally {
      flood.close();
    }
  }, 20_000);

  it('cuts off an event consumer that stopped reading (1013) once maxEventBufferBytes is buffered for it', async () => {
    const flood = await open(1, true);
    const emitter = await open(1, true);
    try {
      const stalled = flood.websockets[0]!;
      await frames(stalled, Array.from({ length: 100 }, (_, i) => ({ type: 'subscribe', id: i + 1, service: 'probe', event: 'noted' })), 'subscribed', 100);
      (stalled as unknown as { _socket: { pause(): void } })._socket.pause();
      const text = 'x'.repeat(8_000);
      // Each note is 100 events of 8 KB for the stalled consumer: the kernel's buffers fill first, then the server's.
      for (let i = 1; i <= 60 && (await target.stats()).wsSubscriptions! > 0; i++) {
        await frames(emitter.websockets[0]!, { type: 'call', id: i, service: 'probe', method: 'note', input: { text } }, 'result', 1);
      }
      expect(await eventually(async () => (await target.stats()).wsSubscriptions === 0, 5_000)).toBe(true);
      (stalled as unknown as { _socket: { resume(): void } })._socket.resume();
      expect(await eventually(() => flood.closeCodes.size > 0, 5_000)).toBe(true);
      // 1013 when the close frame gets through; 1006 when the server had to cut a consumer that still did not read it.
      expect([1013, 1006]).toContain([...flood.closeCodes.keys()][0]);
      await clients.check();
    } finally {
      flood.close();
      emitter.close();
    }
  }, 20_000);

  it('produces no more than the credit for streams whose consumer never grants more, in flat memory', async () => {
    const before = await target.memory();
    const producedBefore = (await target.stats()).produced;
    const flood = await open(5, true);
    await Promise.all(flood.websockets.map((socket) => frames(socket, Array.from({ length: 40 }, (_, i) => ({
      type: 'call', id: i + 1, service: 'probe', method: 'count', input: { count: 1_000_000 }, stream: true, credit: 2,
    })), 'item', 80)));
    await sleep(1_000);
    const stats = await target.stats();
    expect(stats.wsStreams).toBe(200);
    // Two items granted per stream; the sender may have the next one pulled and waiting.
    expect(stats.produced - producedBefore).toBeLessThanOrEqual(200 * 3);
    const during = await target.memory();
    await clients.check();
    flood.close();
    expect(await eventually(async () => (await target.stats()).wsStreams === 0, 5_000)).toBe(true);
    console.log(`ws 200 streams without credit: ${stats.produced - producedBefore} items produced; growth ${JSON.stringify(growth(before, during))} MiB`);
    expect(during.heapUsed - before.heapUsed).toBeLessThan(16 * MiB);
  }, 20_000);

  it('ends a stream whose consumer never grants more credit at its deadline, with DEADLINE_EXCEEDED, freeing its slot', async () => {
    // The stream waits for credit, so it pulls nothing: it used to outlive its deadline, holding its slot for ever.
    const flood = await open(1, true);
    try {
      const started = Date.now();
      const [item, error] = await frames(flood.websockets[0]!, { type: 'call', id: 1, service: 'probe', method: 'count', input: { count: 1_000 }, stream: true, credit: 1, timeout: 800 }, 'any-answer', 2);
      expect(item).toMatchObject({ type: 'item', id: 1 });
      expect(error).toMatchObject({ type: 'error', id: 1, error: { code: 'DEADLINE_EXCEEDED' } });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await target.stats()).wsStreams).toBe(0);
    } finally {
      flood.close();
    }
  }, 10_000);

  it('closes connections sending messages over maxFrameBytes with 1009 without buffering them', async () => {
    const before = await target.memory();
    const flood = await open(20, true);
    const big = Buffer.alloc(4 * MiB, 0x61);
    for (const socket of flood.websockets) socket.send(big, { binary: true });
    expect(await eventually(() => flood.closeCodes.get(1009) === 20, 15_000)).toBe(true);
    const after = await target.memory();
    await clients.check();
    flood.close();
    console.log(`ws 20 × 4 MiB messages: growth ${JSON.stringify(growth(before, after))} MiB`);
    expect(after.rss - before.rss).toBeLessThan(64 * MiB);
  }, 25_000);
});
