/** The client accepts the browser's WebSocket class and the `ws` package's, and needs no Node globals. */
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
      // The browser entry with an explicit class, and with none (it falls back to importing `ws` lazily).
      for (const WebSocket of [NodeWebSocket, undefined]) {
        const client = wsClient({ url: h.url, WebSocket });
        expect(await client.unary(call('echo', { n: 9 }))).toEqual({ n: 9 });
        await client.close();
      }
    } finally {
      await h.close();
    }
  });
});
