/**
 * The WebSocket transport under hostile connections (support/ws-cases.ts), seeded: a short run
 * here, the full one with `npm run fuzz`; replay with FUZZ_SEED=<seed>. Below it, the regressions
 * fuzzing found: one message that took the whole server down, and its twin on the client side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { wsClient } from 'accord-rpc/ws';
import { rawPeer } from '../ws/fixture.js';
import { shortFuzz } from './support/fuzz-setups.js';
import { Target } from './support/target.js';

/** Forty CJK characters: 120 bytes of UTF-8 in a frame type, which error messages quote. */
const WIDE = '漢'.repeat(40);

describe('WebSocket under hostile connections', () => {
  it('answers each with a clear error or a documented close, never crashes or hangs, and keeps serving well-behaved clients', async () => {
    const report = await shortFuzz('ws', 400);
    expect(report.failure ?? 'none').toBe('none');
  }, 60_000);
});

describe('WebSocket regressions found by fuzzing', () => {
  let target: Target;
  beforeAll(async () => {
    target = await Target.start({ ws: {} });
  });
  afterAll(() => target.stop());

  it('closes with 1002 on a frame type in a wide script, where the close reason used to overflow 123 bytes and crash the server', async () => {
    const peer = await rawPeer(target.ready.ws!);
    peer.send({ type: WIDE, id: 1 });
    const close = await peer.closed;
    expect(close.code).toBe(1002);
    expect(Buffer.byteLength(close.reason)).toBeLessThanOrEqual(123);
    expect(peer.frames.find((f) => f.type === 'error')).toMatchObject({ error: { code: 'PROTOCOL_ERROR' } });
    expect(target.problem()).toBeUndefined();
    const next = await rawPeer(target.ready.ws!);
    expect(next.frames[0]).toMatchObject({ type: 'welcome' });
    next.socket.terminate();
  });

  it('lets a Node client close cleanly when the server sends a frame type in a wide script', async () => {
    // The client quotes what it could not read in its own close reason: the same overflow, in the caller's process.
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket: WebSocket) => socket.on('message', () => {
      socket.send(JSON.stringify({ type: 'welcome', version: 1, codec: 'json', limits: { maxFrameBytes: 1 << 20, maxInFlight: 8, maxStreamCredit: 8, heartbeatIntervalMs: 30_000 } }));
      socket.send(JSON.stringify({ type: WIDE }));
    }));
    const closed = new Promise<string>((resolve) => server.on('connection', (socket: WebSocket) => socket.on('close', (_code, reason) => resolve(reason.toString()))));
    const port = (server.address() as { port: number }).port;
    const client = wsClient({ url: `ws://127.0.0.1:${port}` });
    try {
      const outcome = await client.unary({ service: 'math', version: 1, method: 'add', input: { a: 1, b: 2 }, metadata: {}, idempotent: false, deadline: Date.now() + 5_000 }).catch((error: { code: string }) => error.code);
      expect(outcome).toBe('UNAVAILABLE');
      expect(Buffer.byteLength(await closed)).toBeLessThanOrEqual(123);
    } finally {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 15_000);
});
