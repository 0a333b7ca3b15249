/** The conformance suite over WebSocket, JSON (text frames) and MessagePack (binary frames), with handlers inline and in a pool worker. */
import { wsClient, wsTransport } from 'accord-rpc/ws';
import { conformanceSuite, type ConformanceFactory } from './suite.js';

const overWs = (codec: 'json' | 'msgpack'): ConformanceFactory => async (dispatcher) => {
  const server = wsTransport({ port: 0 });
  await server.start(dispatcher);
  const client = wsClient({ url: server.url!, codec });
  return {
    client,
    close: async () => {
      await client.close();
      await server.stop({ graceMs: 200 });
    },
  };
};

conformanceSuite('ws json', overWs('json'));
conformanceSuite('ws msgpack', overWs('msgpack'));
conformanceSuite('ws json', overWs('json'), { pool: true });
conformanceSuite('ws msgpack', overWs('msgpack'), { pool: true });
