/** The conformance suite over HTTP, JSON and MessagePack, with handlers inline and in a pool worker. */
import { httpClient, httpTransport } from 'accord-rpc/http';
import { conformanceSuite, type ConformanceFactory } from './suite.js';

const overHttp = (codec: 'json' | 'msgpack'): ConformanceFactory => async (dispatcher) => {
  const server = httpTransport({ host: '127.0.0.1', port: 0, docs: false });
  await server.start(dispatcher);
  return {
    client: httpClient({ url: server.url, codec }),
    close: () => server.stop({ graceMs: 200 }),
  };
};

conformanceSuite('http json', overHttp('json'));
conformanceSuite('http msgpack', overHttp('msgpack'));
conformanceSuite('http json', overHttp('json'), { pool: true });
conformanceSuite('http msgpack', overHttp('msgpack'), { pool: true });
