/**
 * The conformance suite over the TCP mesh: the suite's dispatcher runs on a mesh server node and
 * the calls come from a meshClient, a node of its own, over real TCP on 127.0.0.1 (handlers inline,
 * and again all in a pool worker thread). The last variant puts a forwarding node (no services) between them; the client does not dial nodes it
 * learns from gossip, so every call makes two mesh hops and the forwarding node's dispatcher
 * routes it again.
 */
import { Dispatcher } from 'accord-rpc/core';
import { meshClient, meshTransport } from 'accord-rpc/mesh';
import { conformanceSuite, type ConformanceFactory } from './suite.js';

const key = 'conformance-mesh-key-0123456789';

const direct: ConformanceFactory = async (dispatcher) => {
  const server = meshTransport({ port: 0, key });
  await server.start(dispatcher);
  const client = meshClient({ key, seeds: [`127.0.0.1:${server.port}`] });
  await client.ready('math', 1, 5_000);
  return {
    client,
    close: async () => {
      await client.close();
      await server.stop({ graceMs: 200 });
    },
  };
};

const forwarded: ConformanceFactory = async (dispatcher) => {
  const server = meshTransport({ port: 0, key });
  await server.start(dispatcher);
  const middle = meshTransport({ port: 0, key, seeds: [`127.0.0.1:${server.port}`] });
  const middleDispatcher = new Dispatcher({ services: [], nodeId: 'conformance-middle' });
  await middle.start(middleDispatcher);
  await middle.whenReachable('math', 1, 5_000);
  const client = meshClient({ key, seeds: [`127.0.0.1:${middle.port}`], dialDiscovered: false });
  await client.ready('math', 1, 5_000);
  const hops = client.status().reachable[dispatcher.nodeId]?.hops;
  if (hops !== 2) throw new Error(`the server should be two hops from the client, is ${hops}`);
  return {
    client,
    close: async () => {
      await client.close();
      await middle.stop({ graceMs: 200 });
      await server.stop({ graceMs: 200 });
    },
  };
};

conformanceSuite('mesh', direct);
conformanceSuite('mesh', direct, { pool: true });
conformanceSuite('mesh through a forwarding node', forwarded);
