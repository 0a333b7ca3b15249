/**
 * The conformance suite over NATS, JSON and MessagePack, with handlers inline and in a pool worker:
 * a real nats-server on a free loopback port, the NATS server transport on the suite's dispatcher,
 * and natsClient as the client. Then once more through an HTTP gateway whose dispatcher serves
 * nothing: every call is routed over NATS to the serving process.
 */
import { Dispatcher } from 'accord-rpc/core';
import { httpClient, httpTransport } from 'accord-rpc/http';
import { natsClient, natsTransport } from 'accord-rpc/nats';
import { startNatsServer } from '../support/nats-server.js';
import { conformanceSuite, type ConformanceFactory } from './suite.js';

const overNats = (codec: 'json' | 'msgpack'): ConformanceFactory => async (dispatcher) => {
  const nats = await startNatsServer();
  const server = natsTransport({ servers: nats.url });
  await server.start(dispatcher);
  const client = natsClient({ servers: nats.url, codec });
  return {
    client,
    close: async () => {
      await client.close();
      await server.stop({ graceMs: 200 });
      await nats.stop();
    },
  };
};

conformanceSuite('nats json', overNats('json'));
conformanceSuite('nats msgpack', overNats('msgpack'));
conformanceSuite('nats json', overNats('json'), { pool: true });
conformanceSuite('nats msgpack', overNats('msgpack'), { pool: true });

const throughGateway: ConformanceFactory = async (dispatcher) => {
  const nats = await startNatsServer();
  const server = natsTransport({ servers: nats.url });
  await server.start(dispatcher);
  const gateway = new Dispatcher({ services: [], nodeId: 'conformance-gateway' });
  const gatewayNats = natsTransport({ servers: nats.url });
  await gatewayNats.start(gateway);
  const http = httpTransport({ host: '127.0.0.1', port: 0, docs: false });
  await http.start(gateway);
  return {
    client: httpClient({ url: http.url, codec: 'json' }),
    close: async () => {
      await http.stop({ graceMs: 200 });
      await gatewayNats.stop({ graceMs: 200 });
      await server.stop({ graceMs: 200 });
      await nats.stop();
    },
  };
};

conformanceSuite('http gateway routing over nats', throughGateway);
