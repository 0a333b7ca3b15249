/**
 * What a mesh peer that has not proved the key can hold on a node (fuzz findings M2 and M3), with
 * the node in its own process (support/target.ts) and a long handshake timeout, so that anything
 * bounded only by that timeout shows:
 * - M2: connections that never finish their handshake filled `maxPendingHandshakes`, and every new
 *   peer was turned away until they timed out. Now the oldest pending one makes room.
 * - M3: before authentication a peer could announce (and send) messages up to `maxFrameBytes`. Now
 *   anything over 4 KiB before the handshake succeeds is refused at once with PROTOCOL_ERROR, while
 *   a real peer's first message after it (its state, often in the same write as its auth) is not.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lengthPrefixed } from 'accord-rpc/link';
import { encodeControl, meshClient, MeshKey, type HelloFrame, type MeshClientTransport, type NodeRecord, type RefuseFrame } from 'accord-rpc/mesh';
import { ConnectionFlood } from './support/connection-flood.js';
import { collect, MESH_KEY, sessionFrames, type Seen } from './support/mesh-cases.js';
import { MeshTarget } from './support/mesh-target.js';
import { MiB, type Target } from './support/target.js';

const LIMITS = { handshakeTimeoutMs: 5_000, maxPendingHandshakes: 64, maxFrameBytes: 4 * MiB };
/** Well under the handshake timeout: what "at once" means here. */
const AT_ONCE_MS = 1_500;

const addOne = (client: MeshClientTransport) =>
  client.unary({ service: 'math', version: 1, method: 'add', input: { a: 1, b: 1 }, metadata: {}, idempotent: false, deadline: Date.now() + AT_ONCE_MS });

/** A length prefix claiming `length` bytes, and a few of them. */
function claim(length: number): Buffer {
  const bytes = Buffer.alloc(4 + 16);
  bytes.writeUInt32BE(length);
  return bytes;
}

describe('mesh peers before authentication', () => {
  let node: MeshTarget;
  let target: Target;
  let port: number;
  const connect = () => node.connect();

  beforeAll(async () => {
    node = await MeshTarget.start(LIMITS);
    target = node.target;
    port = node.port;
  });
  afterAll(async () => {
    await node?.stop();
  });

  it(`links a real peer at once while ${LIMITS.maxPendingHandshakes} silent connections fill maxPendingHandshakes, closing the oldest to make room`, async () => {
    const oldest = await connect();
    const flood = new ConnectionFlood();
    const client = meshClient({ key: MESH_KEY, seeds: [`127.0.0.1:${port}`], reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    try {
      await flood.tcp(port, LIMITS.maxPendingHandshakes - 1);
      const started = Date.now();
      expect(await addOne(client)).toEqual({ sum: 2 });
      expect(Date.now() - started).toBeLessThan(AT_ONCE_MS);
      const refusal = (await oldest.nextControl('refuse', 1_000)) as RefuseFrame | undefined;
      expect(refusal?.error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', data: { reason: 'evicted' } });
      await oldest.closed;
    } finally {
      flood.close();
      await client.close();
    }
  }, 15_000);

  it('refuses at once, with PROTOCOL_ERROR, a peer that announces a message over 4 KiB before its hello', async () => {
    const peer = await connect();
    const started = Date.now();
    peer.sendBytes(claim(LIMITS.maxFrameBytes - 1));
    const refusal = (await peer.nextControl('refuse', AT_ONCE_MS)) as RefuseFrame | undefined;
    expect(refusal?.error).toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.stringContaining('at most 4096 bytes') });
    await peer.closed;
    expect(Date.now() - started).toBeLessThan(AT_ONCE_MS);
  }, 10_000);

  it('refuses at once a peer that sent a valid hello and then announces a message over 4 KiB instead of its proof', async () => {
    const peer = await connect();
    peer.sendControl({ type: 'hello', protocols: [1], node: 'half-way', nonce: randomBytes(32) });
    expect(await peer.nextControl('hello', AT_ONCE_MS)).toBeDefined();
    peer.sendBytes(claim(64 * 1024));
    const refusal = (await peer.nextControl('refuse', AT_ONCE_MS)) as RefuseFrame | undefined;
    expect(refusal?.error).toMatchObject({ code: 'PROTOCOL_ERROR' });
    await peer.closed;
  }, 10_000);

  it('reads a state frame over 4 KiB that comes in the same write as the auth, under the full limit', async () => {
    const peer = await connect();
    const nonce = randomBytes(32);
    peer.sendControl({ type: 'hello', protocols: [1], node: 'big-state', nonce });
    const hello = (await peer.nextControl('hello', AT_ONCE_MS)) as HelloFrame;
    const methods = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`method${i}`, { kind: 'unary' as const, fingerprint: 'f'.repeat(64) }]));
    const record: NodeRecord = { node: 'big-state', seq: 1, relay: false, links: [], services: [{ name: 'bulk', version: 1, fingerprint: 'e'.repeat(64), methods }] };
    const auth = encodeControl({ type: 'auth', proof: new MeshKey(MESH_KEY).proof('dialer', 1, 'big-state', hello.node, nonce, hello.nonce) });
    const state = encodeControl({ type: 'state', maxFrameBytes: LIMITS.maxFrameBytes, records: [record] });
    expect(state.length).toBeGreaterThan(4 * 1024);
    peer.sendBytes(Buffer.concat([lengthPrefixed(auth), lengthPrefixed(state)]));
    peer.sendSession({ type: 'ping', data: 'after-big-state' });
    const seen: Seen = [];
    const pong = () => sessionFrames(seen).some((frame) => frame?.type === 'pong' && frame.data === 'after-big-state');
    await collect(peer, seen, pong, AT_ONCE_MS);
    expect(pong()).toBe(true);
    expect(target.problem()).toBeUndefined();
  }, 10_000);
});
