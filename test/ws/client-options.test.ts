/** The browser entry's client accepts the browser's WebSocket class and the `ws` package's, and says what to do where there is none. */
import { WebSocket as NodeWebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { wsClient, type WsClientOptions } from 'accord-rpc/ws/client';
import { call, startHarness } from './fixture.js';

describe('ws client options', () => {
  it('type-checks with the DOM WebSocket class and works with the ws one', async () => {
    const browserShaped: WsClientOptions = { url: 'ws://x', WebSocket: globalThis.WebSocket };
    expect(browserShaped.url).toBe('ws://x');
    const h = await startHarness();
    try {
      const client = wsClient({ url: h.url, WebSocket: NodeWebSocket });
      expect(await client.unary(call('echo', { n: 9 }))).toEqual({ n: 9 });
      await client.close();
    } finally {
      await h.close();
    }
  });

  it('without a WebSocket class (Node 20 has none) a call fails at once with UNAVAILABLE saying to use accord-rpc/ws', async () => {
    // As on Node 20 whatever Node runs this: no platform class.
    const platform = globalThis as { WebSocket?: unknown };
    const native = platform.WebSocket;
    platform.WebSocket = undefined;
    try {
      const client = wsClient({ url: 'ws://127.0.0.1:9/ws', reconnect: false });
      await expect(client.unary(call('echo', { n: 1 }))).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('accord-rpc/ws') });
    } finally {
      platform.WebSocket = native;
    }
  });
});
