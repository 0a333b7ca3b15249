/**
 * The `state` frame of a mesh link (fuzz finding M1, seed 551199632 case 144): it sets the limits
 * both ends keep for the link's life, so it comes once, and its `maxFrameBytes` must leave room for
 * at least an error frame. A node refuses a second one, or a limit under 64 KiB, by closing the link
 * with PROTOCOL_ERROR and a message that says why, which it can still send. The node runs in its
 * own process (support/target.ts); the peer speaks the wire protocol by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPeer } from '../mesh/harness.js';
import { collect, meshHandshake, sessionFrames, type Seen } from './support/mesh-cases.js';
import { MeshTarget } from './support/mesh-target.js';
import type { Target } from './support/target.js';

/** What the node sends until it closes the connection (at most `ms`), and whether it did. */
async function untilClosed(peer: RawPeer, ms: number): Promise<{ received: Seen; closed: boolean }> {
  const received: Seen = [];
  return { received, closed: await collect(peer, received, () => false, ms) };
}

/** The error frame that closes the link (no call id). */
const linkError = (received: Seen) => sessionFrames(received).find((frame) => frame?.type === 'error' && frame.id === undefined);

describe('mesh link state', () => {
  let node: MeshTarget;
  let target: Target;
  let port: number;
  const connect = () => node.connect();

  beforeAll(async () => {
    node = await MeshTarget.start();
    target = node.target;
    port = node.port;
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('closes the link with PROTOCOL_ERROR, saying why, when the peer sends a second state frame', async () => {
    const peer = await connect();
    expect(await meshHandshake(peer, 'state-twice', true)).toBeUndefined();
    peer.sendControl({ type: 'state', maxFrameBytes: 4 * 1024 * 1024, records: [] });
    const { received, closed } = await untilClosed(peer, 3_000);
    expect(closed).toBe(true);
    expect(linkError(received)).toMatchObject({ error: { code: 'PROTOCOL_ERROR', message: expect.stringContaining('second state frame') } });
    expect(target.problem()).toBeUndefined();
  }, 10_000);

  it('refuses a peer whose state announces maxFrameBytes under 64 KiB, and can still tell it why', async () => {
    const peer = await connect();
    expect(await meshHandshake(peer, 'tiny-frames', true, 1)).toBeUndefined();
    const { received, closed } = await untilClosed(peer, 3_000);
    expect(closed).toBe(true);
    expect(linkError(received)).toMatchObject({ error: { code: 'PROTOCOL_ERROR', message: expect.stringContaining('maxFrameBytes 1, below the minimum of 65536') } });
  }, 10_000);

  it('keeps a link whose peer announces exactly 64 KiB, and answers on it', async () => {
    const peer = await connect();
    expect(await meshHandshake(peer, 'smallest-frames', true, 64 * 1024)).toBeUndefined();
    peer.sendSession({ type: 'ping', data: 'still-here' });
    const seen: Seen = [];
    const pong = () => sessionFrames(seen).some((frame) => frame?.type === 'pong' && frame.data === 'still-here');
    await collect(peer, seen, pong, 3_000);
    expect(pong()).toBe(true);
  }, 10_000);
});
