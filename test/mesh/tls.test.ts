/**
 * TLS between mesh nodes: `tls: true` (TLS 1.3, pre-shared key derived from the mesh key, no
 * certificates) and certificate TLS (mutual: each node presents a certificate the other checks
 * against `ca`). The mesh handshake runs inside; a node that does not speak the same TLS stays out.
 * Fixtures: two self-signed certificates (test-only keys, valid for 127.0.0.1).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshClientTransport } from 'accord-rpc/mesh';
import { failure, RawPeer, startClient, startNode, type TestNode } from './harness.js';
import { probeHandlers } from './fixtures/probe-service.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const trusted = { key: fixture('tls-key.pem'), cert: fixture('tls-cert.pem'), ca: fixture('tls-cert.pem') };
const untrusted = { key: fixture('tls-other-key.pem'), cert: fixture('tls-other-cert.pem'), ca: fixture('tls-cert.pem') };
const where = (client: MeshClientTransport) => client.unary({ service: 'probe', version: 1, method: 'where', input: {}, metadata: {}, idempotent: false }) as Promise<{ node: string }>;

describe('mesh over TLS', () => {
  let psk: TestNode, certified: TestNode;
  const clients: MeshClientTransport[] = [];
  const client = (...args: Parameters<typeof startClient>) => {
    const c = startClient(...args);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    psk = await startNode('psk', [probeHandlers('psk')], { tls: true });
    certified = await startNode('certified', [probeHandlers('certified')], { tls: trusted });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([psk?.stop(), certified?.stop()]);
  });

  it('links nodes with tls: true (TLS 1.3 with a key derived from the mesh key) and carries calls', async () => {
    const c = client([psk.addr], { tls: true });
    expect((await where(c)).node).toBe('psk');
  });

  it('answers nothing of the mesh protocol in plain text on a TLS port, and keeps plain-TCP nodes out', async () => {
    const raw = await RawPeer.connect(psk.transport.port!);
    raw.sendControl({ type: 'hello', protocols: [1], node: 'plain', nonce: randomBytes(32) });
    expect(await raw.next(1_000)).toBeUndefined();
    raw.close();
    const plain = client([psk.addr]);
    expect((await failure(where(plain))).code).toBe('UNAVAILABLE');
  });

  it('keeps out a tls: true node whose mesh key differs: the TLS handshake itself fails', async () => {
    const outsider = client([psk.addr], { tls: true, key: 'another-mesh-key-0123456789' });
    const error = await failure(where(outsider));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain(psk.addr);
  });

  it('links nodes with certificates their peers trust (mutual TLS)', async () => {
    const c = client([certified.addr], { tls: trusted });
    expect((await where(c)).node).toBe('certified');
  });

  it('refuses a node whose certificate the peer does not trust', async () => {
    const outsider = client([certified.addr], { tls: untrusted });
    expect((await failure(where(outsider))).code).toBe('UNAVAILABLE');
    expect(certified.transport.status().links.map((l) => l.peer)).not.toContain(outsider.status().node);
  });
});
