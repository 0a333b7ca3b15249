/**
 * Resource attacks on a mesh node in its own process (memory measured there after a full GC):
 * 2,000 connections that never finish the handshake, unauthenticated peers that claim megabyte
 * messages, and an authenticated peer whose streams never grant credit. Throughout, a meshClient
 * linked before the attack keeps calling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { msgpackCodec } from 'accord-rpc/core';
import { lengthPrefixed } from 'accord-rpc/link';
import { CONTROL_TAG } from 'accord-rpc/mesh';
import { RawPeer } from '../mesh/harness.js';
import { ConnectionFlood, eventually, sleep } from './support/connection-flood.js';
import { MESH_KEY, meshHandshake, sessionFrames } from './support/mesh-cases.js';
import { growth, MiB, Target } from './support/target.js';
import { WellBehavedClients } from './support/well-behaved.js';

const LIMITS = { handshakeTimeoutMs: 1_500, maxPendingHandshakes: 64, maxFrameBytes: 4 * MiB };
const hello = lengthPrefixed(Buffer.concat([Uint8Array.of(CONTROL_TAG), msgpackCodec.encode({ type: 'hello', protocols: [1], node: 'half-open', nonce: randomBytes(32) })]));

describe('mesh resource limits', () => {
  let target: Target;
  let clients: WellBehavedClients;
  let port: number;
  beforeAll(async () => {
    target = await Target.start({ mesh: { key: MESH_KEY, heartbeatIntervalMs: 1_000, ...LIMITS } });
    port = target.ready.meshPort!;
    clients = new WellBehavedClients(target, ['mesh'], { mesh: { key: MESH_KEY } });
    await clients.check();
  });
  afterAll(async () => {
    await clients?.close();
    await target?.stop();
  });

  it('holds at most maxPendingHandshakes of 2,000 silent or half-open connections, closes each within handshakeTimeoutMs, and keeps its links serving', async () => {
    const before = await target.memory();
    const stop = clients.keepCalling();
    const flood = new ConnectionFlood();
    try {
      await flood.tcp(port, 1_000);
      await flood.tcp(port, 1_000, hello); // hello, then silence: half-way through the handshake
      // Past the pending-handshake limit, connections are closed at once.
      expect(await eventually(() => flood.closed.tcp >= 2_000 - LIMITS.maxPendingHandshakes, 1_000)).toBe(true);
      const peak = await target.memory();
      expect(await eventually(() => flood.closed.tcp === 2_000, LIMITS.handshakeTimeoutMs + 2_000)).toBe(true);
      const summary = await stop();
      const after = await target.memory();
      console.log(`mesh 2,000 connections: growth at peak ${JSON.stringify(growth(before, peak))} MiB, after ${JSON.stringify(growth(before, after))} MiB; well-behaved: ${summary.rounds} rounds, slowest ${summary.slowestMs} ms`);
      expect(summary.failures).toEqual([]);
      expect(peak.heapUsed - before.heapUsed).toBeLessThan(16 * MiB);
      expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * MiB);
    } finally {
      flood.close();
      await stop();
    }
  }, 20_000);

  it('costs unauthenticated peers that claim 4 MiB messages only the bytes they sent', async () => {
    const before = await target.memory();
    const claim = Buffer.alloc(4 + 16);
    claim.writeUInt32BE(LIMITS.maxFrameBytes - 1);
    const flood = new ConnectionFlood();
    try {
      await flood.tcp(port, LIMITS.maxPendingHandshakes, claim);
      await sleep(300);
      const during = await target.memory();
      console.log(`mesh ${LIMITS.maxPendingHandshakes} × 4 MiB claims: growth ${JSON.stringify(growth(before, during))} MiB`);
      // Taking the claims on trust would be 64 × 4 MiB = 256 MiB of buffers.
      expect(during.arrayBuffers + during.external - before.arrayBuffers - before.external).toBeLessThan(16 * MiB);
      expect(await eventually(() => flood.closed.tcp === LIMITS.maxPendingHandshakes, LIMITS.handshakeTimeoutMs + 2_000)).toBe(true);
      await clients.check();
    } finally {
      flood.close();
    }
  }, 20_000);

  it('produces no more than the credit for streams an authenticated peer never grants more, in flat memory', async () => {
    const before = await target.memory();
    const producedBefore = (await target.stats()).produced;
    const peer = await RawPeer.connect(port);
    try {
      expect(await meshHandshake(peer, 'stingy-peer', true)).toBeUndefined();
      const calls = Array.from({ length: 500 }, (_, i) => ({ type: 'call', id: i + 1, service: 'probe', version: 1, method: 'count', input: { count: 1_000_000 }, stream: true, credit: 1 }));
      peer.sendSession(calls);
      await sleep(1_000);
      const produced = (await target.stats()).produced - producedBefore;
      const during = await target.memory();
      await clients.check();
      console.log(`mesh 500 streams without credit: ${produced} items produced; growth ${JSON.stringify(growth(before, during))} MiB`);
      expect(produced).toBeGreaterThanOrEqual(500);
      // One item granted per stream; the sender may have the next one pulled and waiting.
      expect(produced).toBeLessThanOrEqual(500 * 2);
      expect(during.heapUsed - before.heapUsed).toBeLessThan(16 * MiB);
    } finally {
      peer.close();
    }
    // The link is gone: its streams stop, and nothing more is produced.
    await sleep(200);
    const settled = (await target.stats()).produced;
    await sleep(500);
    expect((await target.stats()).produced).toBe(settled);
  }, 20_000);

  it('ends a routed-in stream whose caller never grants more credit at its deadline, with DEADLINE_EXCEEDED', async () => {
    const peer = await RawPeer.connect(port);
    try {
      expect(await meshHandshake(peer, 'deadline-peer', true)).toBeUndefined();
      peer.sendSession({ type: 'call', id: 1, service: 'probe', version: 1, method: 'count', input: { count: 1_000 }, stream: true, credit: 1, timeout: 800 });
      const seen: Array<{ session?: unknown }> = [];
      const answers = () => sessionFrames(seen).filter((frame) => frame?.id === 1);
      for (let message = await peer.next(3_000); message; message = answers().length < 2 ? await peer.next(3_000) : undefined) seen.push(message);
      const [item, error] = answers();
      expect(item).toMatchObject({ type: 'item' });
      expect(error).toMatchObject({ type: 'error', error: { code: 'DEADLINE_EXCEEDED' } });
    } finally {
      peer.close();
    }
  }, 10_000);
});
