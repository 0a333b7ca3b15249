/**
 * Limits on the mesh (frame size, calls routed at once, calls per link), option checks that name
 * the option, and the mesh started from a server config with ACCORD_MESH_* environment variables,
 * where an HTTP gateway node routes a REST-less /rpc call through the mesh to the node serving it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccordError } from 'accord-rpc/core';
import { meshTransport, type MeshClientTransport } from 'accord-rpc/mesh';
import { applyEnv, createServer, type AccordServer } from 'accord-rpc/server';
import { failure, KEY, startClient, startNode, type TestNode } from './harness.js';
import { probeHandlers } from './fixtures/probe-service.js';

const call = (client: MeshClientTransport, method: string, input: unknown) =>
  client.unary({ service: 'probe', version: 1, method, input, metadata: {}, idempotent: false }) as Promise<Record<string, unknown>>;

describe('mesh limits', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('limited', [probeHandlers('limited')], { maxFrameBytes: 64 * 1024, maxInFlightPerLink: 2 });
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('fails a call over the peer’s frame limit locally with PAYLOAD_TOO_LARGE, and the link stays up', async () => {
    const client = startClient([node.addr]);
    try {
      const error = await failure(call(client, 'where', { pad: 'x'.repeat(100 * 1024) }));
      expect(error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(error.message).toContain('65536');
      expect((await call(client, 'where', {})).node).toBe('limited');
    } finally {
      await client.close();
    }
  });

  it('answers RESOURCE_EXHAUSTED, naming the limit, past the calls a link may run at once', async () => {
    const client = startClient([node.addr]);
    try {
      const slow = [call(client, 'wait', { ms: 300 }), call(client, 'wait', { ms: 300 })];
      const error = await failure(call(client, 'wait', { ms: 300 }));
      expect(error.code).toBe('RESOURCE_EXHAUSTED');
      expect(error.message).toContain('limit 2');
      await Promise.all(slow);
    } finally {
      await client.close();
    }
  });

  it('answers RESOURCE_EXHAUSTED at once past the calls a node may route at once', async () => {
    const client = startClient([node.addr], { maxRoutedInFlight: 1 });
    try {
      const slow = call(client, 'wait', { ms: 300 });
      const error = await failure(call(client, 'where', {}));
      expect(error.code).toBe('RESOURCE_EXHAUSTED');
      expect(error.message).toContain('routed over the mesh at once (limit 1)');
      await slow;
    } finally {
      await client.close();
    }
  });

  it('checks its options at creation, naming the option at fault', () => {
    const refused = (options: Record<string, unknown>) => {
      try {
        meshTransport(options);
      } catch (error) {
        return (error as AccordError).message;
      }
      return 'accepted';
    };
    expect(refused({ port: 0 })).toMatch(/transports\.mesh\.key must be a shared secret of at least 16 characters/);
    expect(refused({ key: KEY, seeds: ['127.0.0.1:7000', 'nowhere'] })).toMatch(/transports\.mesh\.seeds\[1\]: 'nowhere' is not host:port/);
    expect(refused({ key: KEY, seed: ['127.0.0.1:7000'] })).toMatch(/transports\.mesh\.seed is not a mesh option/);
    expect(refused({ key: KEY, port: 70_000 })).toMatch(/transports\.mesh\.port must be a port number/);
    expect(refused({ key: KEY, maxFrameBytes: 10 })).toMatch(/transports\.mesh\.maxFrameBytes must be a number ≥ 65536/);
    expect(refused({ key: KEY, seeds: '127.0.0.1:7000,127.0.0.1:7001' })).toBe('accepted');
  });
});

describe('mesh from the server config and environment', () => {
  const servers: AccordServer[] = [];
  afterAll(async () => {
    for (const server of servers.reverse()) await server.stop({ graceMs: 100 });
  });

  async function serve(services: Parameters<typeof createServer>[0]['services'], env: Record<string, string>): Promise<AccordServer> {
    const config = applyEnv({ services, transports: { http: { port: 0 } }, pool: false, logLevel: 'silent' }, { ACCORD_TRANSPORTS: 'http,mesh', ACCORD_MESH_KEY: KEY, ...env });
    const server = await createServer(config);
    servers.push(server);
    await server.start();
    return server;
  }

  it('starts a mesh node from ACCORD_MESH_* and ACCORD_NODE_ID; another node’s HTTP gateway routes /rpc calls to it', async () => {
    const backend = await serve([probeHandlers('backend')], { ACCORD_MESH_PORT: '0', ACCORD_NODE_ID: 'backend' });
    const mesh = backend.urls.mesh!;
    expect(mesh).toMatch(/^mesh:\/\/127\.0\.0\.1:\d+$/);
    const gateway = await serve(['../../examples/handlers/math.ts'].map((p) => new URL(p, import.meta.url).pathname), {
      ACCORD_NODE_ID: 'gateway', ACCORD_MESH_SEEDS: mesh.slice('mesh://'.length),
    });
    expect(gateway.dispatcher.nodeId).toBe('gateway');
    const response = await fetch(`${gateway.urls.http}/rpc/probe/where`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ node: 'backend', hops: 1, visited: ['gateway'] });
  });
});
