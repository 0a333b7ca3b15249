/** Many calls on one connection, the in-flight limit, cancellation, and stream flow control. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, rawPeer, rejection, startHarness, until, type Harness } from './fixture.js';

describe('ws multiplexing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ maxInFlightPerConnection: 1024, highWaterBytes: 64 * 1024, streamCreditWindow: 1_000_000 });
  });
  afterAll(() => h.close());

  it('1,000 calls in flight on one connection all resolve with their own result', async () => {
    for (const codec of ['json', 'msgpack'] as const) {
      const client = h.client({ codec });
      h.state.maxActive = 0;
      const results = await Promise.all(Array.from({ length: 1000 }, (_, n) => client.unary(call('echo', { n, delayMs: 30 }))));
      expect(results).toEqual(Array.from({ length: 1000 }, (_, n) => ({ n })));
      expect(h.state.maxActive).toBe(1000); // all were in the handler at once
      await client.close();
    }
  });

  it('past the in-flight limit a call gets RESOURCE_EXHAUSTED; the others still complete', async () => {
    const small = await startHarness({ maxInFlightPerConnection: 10 });
    try {
      const client = small.client();
      const held = Array.from({ length: 10 }, (_, i) => client.unary(call('hold', { key: `k${i}` })));
      await until(() => small.state.held.size === 10);
      const refused = await rejection(client.unary(call('echo', { n: 1 })));
      expect(refused.code).toBe('RESOURCE_EXHAUSTED');
      for (const release of small.state.held.values()) release();
      expect(await Promise.all(held)).toEqual(Array.from({ length: 10 }, () => ({ released: true })));
      expect(await client.unary(call('echo', { n: 2 }))).toEqual({ n: 2 });
    } finally {
      await small.close();
    }
  });

  it('a slow stream consumer is paced by credit: the server runs at most a window ahead', async () => {
    const client = h.client({ streamWindow: 8 });
    const producedBefore = h.state.produced;
    let consumed = 0;
    let maxAhead = 0;
    for await (const item of client.stream(call('count', { count: 10_000, pad: 100 }))) {
      expect((item as { i: number }).i).toBe(consumed);
      consumed++;
      await new Promise((r) => setTimeout(r, 1));
      maxAhead = Math.max(maxAhead, h.state.produced - producedBefore - consumed);
      if (consumed === 60) break;
    }
    // The dispatcher pulls one item past what was sent at most; the window is 8.
    expect(maxAhead).toBeLessThanOrEqual(8 + 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.state.produced - producedBefore).toBeLessThanOrEqual(60 + 8 + 1);
  });

  it('a peer that grants huge credit but stops reading keeps the server buffer bounded', async () => {
    const peer = await rawPeer(h.url);
    const producedBefore = h.state.produced;
    const pad = 8 * 1024;
    peer.send({ type: 'call', id: 1, service: 'probe', version: 1, method: 'count', input: { count: 1_000_000, pad }, stream: true, credit: 1_000_000 });
    await until(() => peer.frames.some((f) => f.type === 'item'));
    peer.socket.pause(); // stop reading: TCP backpressure reaches the server
    await new Promise((r) => setTimeout(r, 500));
    const produced = h.state.produced - producedBefore;
    const stats = h.server.stats().perConnection.find((c) => c.streams === 1)!;
    expect(stats).toBeDefined();
    // The socket buffer stays near the high-water mark (64 KiB) plus one item, whatever the credit.
    expect(stats.maxBufferedBytes).toBeLessThan(64 * 1024 + 2 * (pad + 100));
    // What was produced fits in the socket buffer plus the kernel's (a few MiB on loopback): nowhere near a million items.
    expect(produced * pad).toBeLessThan(64 * 1024 * 1024);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.state.produced - producedBefore).toBe(produced); // the handler is paused, not buffering on
    peer.socket.terminate();
  });

  it('next() called several times without waiting gets the items in order, then done', async () => {
    const client = h.client();
    const items = client.stream(call('count', { count: 3 }))[Symbol.asyncIterator]();
    const results = await Promise.all([items.next(), items.next(), items.next(), items.next()]);
    expect(results.map((r) => (r.done ? 'done' : (r.value as { i: number }).i))).toEqual([0, 1, 2, 'done']);
  });

  it('a cancel frame aborts the handler (ctx.signal) with CANCELLED', async () => {
    const client = h.client();
    const controller = new AbortController();
    const pending = client.unary(call('hold', { key: 'cancel-me' }, { signal: controller.signal }));
    await until(() => h.state.held.has('cancel-me'));
    controller.abort();
    expect((await rejection(pending)).code).toBe('CANCELLED');
    await until(() => h.state.aborted.includes('CANCELLED'));
  });
});
