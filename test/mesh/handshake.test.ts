/**
 * The mesh handshake and what a node accepts on a connection, driven byte by byte from a raw TCP
 * peer (harness.ts RawPeer): mutual proof of the key, refusals before authentication, limits, and
 * the checks a node applies to calls arriving over a link (loops, hop limit, contract, size).
 * A good peer stays linked throughout: after every refusal (wrong key, an id already in use,
 * garbage) it is still served over the same link, and the node logged why it refused.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceFingerprints } from 'accord-rpc/core';
import type { Logger } from 'accord-rpc/core';
import { MeshKey, type ControlFrame, type HelloFrame, type MeshClientTransport, type RefuseFrame, type StateFrame } from 'accord-rpc/mesh';
import { lengthPrefixed } from 'accord-rpc/link';
import { failure, KEY, RawPeer, sleep, startClient, startNode, until, type TestNode } from './harness.js';
import { newProbeLog, probe, probeHandlers } from './fixtures/probe-service.js';

const meshKey = new MeshKey(KEY);

/** Says hello as `node`; returns the acceptor's hello. */
async function hello(peer: RawPeer, node: string, nonce: Uint8Array): Promise<HelloFrame> {
  peer.sendControl({ type: 'hello', protocols: [1], node, nonce });
  const reply = await peer.nextControl('hello');
  expect(reply).toBeDefined();
  return reply as HelloFrame;
}

/** A raw peer that completed the handshake as `node` and announced `maxFrameBytes`. */
async function linkedPeer(port: number, node: string, maxFrameBytes = 4 * 1024 * 1024): Promise<RawPeer> {
  const peer = await RawPeer.connect(port);
  const nonce = randomBytes(32);
  const reply = await hello(peer, node, nonce);
  peer.sendControl({ type: 'auth', proof: meshKey.proof('dialer', 1, node, reply.node, nonce, reply.nonce) });
  peer.sendControl({ type: 'state', maxFrameBytes, records: [{ node, seq: 1, relay: false, services: [], links: [reply.node] }] });
  await peer.nextControl('state');
  return peer;
}

/** The session frame answering call `id`. */
async function answer(peer: RawPeer, id: number): Promise<Record<string, unknown>> {
  for (;;) {
    const message = await peer.next();
    if (!message) throw new Error(`the connection closed before call ${id} was answered`);
    const frames = (Array.isArray(message.session) ? message.session : [message.session]) as Array<Record<string, unknown> | undefined>;
    const found = frames.find((f) => f?.id === id);
    if (found) return found;
  }
}

async function refusal(peer: RawPeer): Promise<RefuseFrame['error']> {
  const frame = (await peer.nextControl('refuse')) as RefuseFrame | undefined;
  expect(frame, 'a refuse frame').toBeDefined();
  await peer.closed;
  return frame!.error;
}

/** A logger keeping the warnings and errors a node writes. */
function recordingLogger(lines: string[]): Logger {
  const keep = (obj: object | string, msg?: string) => void lines.push(typeof obj === 'string' ? obj : msg ?? '');
  return { debug: () => undefined, info: () => undefined, warn: keep, error: keep };
}

describe('mesh handshake', () => {
  const log = newProbeLog();
  const logged: string[] = [];
  let srv: TestNode;
  let port: number;
  let good: MeshClientTransport;
  let goodSince: number;
  const peers: RawPeer[] = [];
  const connect = async () => {
    const peer = await RawPeer.connect(port);
    peers.push(peer);
    return peer;
  };

  /** The good peer is served over the link it had from the start. */
  async function expectGoodPeerServed(): Promise<void> {
    expect(await good.unary({ service: 'probe', version: 1, method: 'where', input: {}, metadata: {}, idempotent: true })).toMatchObject({ node: 'srv', hops: 1 });
    const link = srv.transport.status().links.find((l) => l.peer === 'good-peer');
    expect(link, 'the good peer is still linked').toMatchObject({ usable: true, since: goodSince });
  }

  beforeAll(async () => {
    srv = await startNode('srv', [probeHandlers('srv', log)], { handshakeTimeoutMs: 300, maxFrameBytes: 128 * 1024, logger: recordingLogger(logged) });
    port = srv.transport.port!;
    good = startClient([srv.addr], { nodeId: 'good-peer' });
    await good.ready('probe', 1);
    goodSince = srv.transport.status().links.find((l) => l.peer === 'good-peer')!.since;
  });
  afterAll(async () => {
    for (const peer of peers) peer.close();
    await good?.close();
    await srv?.stop();
  });

  it('links a peer that proves the key, shares its records and serves its calls; the key never crosses the wire', async () => {
    const peer = await connect();
    const nonce = randomBytes(32);
    const reply = await hello(peer, 'raw', nonce);
    expect(reply.node).toBe('srv');
    expect(Buffer.from(reply.proof!).equals(meshKey.proof('acceptor', 1, 'raw', 'srv', nonce, reply.nonce))).toBe(true);
    peer.sendControl({ type: 'auth', proof: meshKey.proof('dialer', 1, 'raw', 'srv', nonce, reply.nonce) });
    peer.sendControl({ type: 'state', maxFrameBytes: 1 << 20, records: [{ node: 'raw', seq: 1, relay: false, services: [], links: ['srv'] }] });
    const state = (await peer.nextControl('state')) as StateFrame;
    const own = state.records.find((r) => r.node === 'srv')!;
    expect(own.services.map((s) => [s.name, s.version, s.fingerprint])).toEqual([['probe', 1, serviceFingerprints(probe).service]]);
    expect(own.services[0]!.methods.count).toEqual({ kind: 'stream', fingerprint: serviceFingerprints(probe).methods.count });
    peer.sendSession({ type: 'call', id: 1, service: 'probe', version: 1, method: 'where', input: {} });
    expect(await answer(peer, 1)).toEqual({ type: 'result', id: 1, output: { node: 'srv', hops: 0, visited: [] } });
    const wire = Buffer.concat(peer.wire);
    expect(wire.includes(Buffer.from(KEY))).toBe(false);
    await until(() => srv.transport.status().links.some((l) => l.peer === 'raw'));
  });

  it('refuses a peer whose proof is wrong with UNAUTHENTICATED, and closes', async () => {
    const peer = await connect();
    await hello(peer, 'forger', randomBytes(32));
    peer.sendControl({ type: 'auth', proof: randomBytes(32) });
    const error = await refusal(peer);
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toContain("'forger'");
    expect(logged.some((line) => line.includes("mesh node 'forger'") && line.includes('could not prove it knows the mesh key'))).toBe(true);
    await expectGoodPeerServed();
  });

  it('keeps a node with another key out: its calls fail with UNAVAILABLE naming the seed and UNAUTHENTICATED', async () => {
    const outsider = startClient([srv.addr], { key: 'some-other-key-0123456789' });
    try {
      await outsider.connect();
      const error = await failure(outsider.unary({ service: 'probe', version: 1, method: 'where', input: {}, metadata: {}, idempotent: false }));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toContain(srv.addr);
      expect(error.message).toContain('UNAUTHENTICATED');
      expect(srv.transport.status().links.map((l) => l.peer)).not.toContain(outsider.status().node);
      // Refused on both sides: the outsider found srv's proof wrong, srv logged the outsider's refusal.
      await until(() => logged.some((line) => line.includes(`'${outsider.status().node}'`) && line.includes('refused the mesh handshake')), 2_000, 'srv logged the refusal');
      await expectGoodPeerServed();
    } finally {
      await outsider.close();
    }
  });

  it('refuses a session frame sent before authentication; nothing reaches the dispatcher', async () => {
    const before = log.calls;
    const peer = await connect();
    peer.sendSession({ type: 'call', id: 1, service: 'probe', version: 1, method: 'where', input: {} });
    const error = await refusal(peer);
    expect(error.code).toBe('PROTOCOL_ERROR');
    expect(error.message).toMatch(/before the mesh handshake/);
    expect(log.calls).toBe(before);
    await expectGoodPeerServed();
  });

  it('refuses garbage before the handshake (an HTTP request, a mesh tag followed by junk), and keeps serving its good peers', async () => {
    const http = await connect();
    http.sendBytes(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    expect(await refusal(http)).toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.stringMatching(/over the limit/) });
    await expectGoodPeerServed();
    const junk = await connect();
    junk.sendBytes(lengthPrefixed(Uint8Array.from([0xc1, 0x92, 0x01])));
    expect(await refusal(junk)).toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.stringMatching(/mesh control/) });
    expect(logged.filter((line) => line.startsWith('mesh handshake failed') && /over the limit|mesh control/.test(line))).toHaveLength(2);
    await expectGoodPeerServed();
  });

  it('refuses an unknown protocol version, listing the versions it speaks', async () => {
    const peer = await connect();
    peer.sendControl({ type: 'hello', protocols: [99], node: 'future', nonce: randomBytes(32) } as ControlFrame);
    const error = await refusal(peer);
    expect(error.code).toBe('PROTOCOL_ERROR');
    expect(error.data).toEqual({ supported: [1] });
    expect(logged.some((line) => line.includes('mesh protocol versions 99 are not supported'))).toBe(true);
    await expectGoodPeerServed();
  });

  it('closes a connection that does not finish the handshake within the timeout', async () => {
    const peer = await connect();
    const started = Date.now();
    const error = await refusal(peer);
    expect(error.message).toMatch(/did not finish the mesh handshake within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('closes a connection that announces a message over the frame limit, before buffering it', async () => {
    const peer = await connect();
    peer.sendBytes(Uint8Array.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    const error = await refusal(peer);
    expect(error.code).toBe('PROTOCOL_ERROR');
    expect(error.message).toMatch(/over the limit/);
  });

  it('refuses a node that claims an id already in use (its own, or a linked peer’s), naming the id, and keeps the peer that has it', async () => {
    for (const [id, reason] of [['srv', "uses this node's id 'srv'"], ['good-peer', "another process already uses the node id 'good-peer'"]]) {
      const twin = startClient([srv.addr], { nodeId: id });
      try {
        const error = await failure(twin.unary({ service: 'probe', version: 1, method: 'where', input: {}, metadata: {}, idempotent: false }));
        expect(error.code).toBe('UNAVAILABLE');
        expect(error.message).toContain('FAILED_PRECONDITION');
        expect(error.message).toContain(reason);
        expect(twin.status().links).toEqual([]);
        await until(() => logged.some((line) => line.includes(reason)), 2_000, 'srv logged the refusal');
        await expectGoodPeerServed();
      } finally {
        await twin.close();
      }
    }
  });

  it('does not link to itself when its own address is among its seeds', async () => {
    const port = await new Promise<number>((resolve) => {
      const probeServer = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probeServer.address() as { port: number };
        probeServer.close(() => resolve(port));
      });
    });
    const self = await startNode('self-seeded', [], { port, seeds: [`127.0.0.1:${port}`, srv.addr] });
    try {
      expect(self.transport.status().links.map((l) => l.peer)).toEqual(['srv']);
    } finally {
      await self.stop();
    }
  });

  it('ends a call that comes back to a node it visited, or that made too many hops, with LOOP_DETECTED', async () => {
    const peer = await linkedPeer(port, 'looper');
    peers.push(peer);
    peer.sendSession({ type: 'call', id: 1, service: 'probe', version: 1, method: 'where', input: {}, visited: ['x', 'srv', 'looper'] });
    const loop = (await answer(peer, 1)).error as { code: string; message: string };
    expect(loop.code).toBe('LOOP_DETECTED');
    expect(loop.message).toContain('x → srv → looper');
    peer.sendSession({ type: 'call', id: 2, service: 'probe', version: 1, method: 'where', input: {}, hops: 17 });
    expect(((await answer(peer, 2)).error as { code: string }).code).toBe('LOOP_DETECTED');
  });

  it('answers a call expecting another contract with FAILED_PRECONDITION, before the dispatcher', async () => {
    const before = log.calls;
    const peer = await linkedPeer(port, 'drifted');
    peers.push(peer);
    peer.sendSession({ type: 'call', id: 1, service: 'probe', version: 1, method: 'where', input: {}, metadata: { 'accord-fingerprint': 'e'.repeat(64) } });
    const error = (await answer(peer, 1)).error as { code: string; message: string };
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain('probe.v1.where');
    expect(log.calls).toBe(before);
  });

  it('answers UNAVAILABLE, before the dispatcher, for a call a node that does not relay would have to forward', async () => {
    const leaf = await startNode('leaf', [], { relay: false, seeds: [srv.addr] });
    try {
      await leaf.transport.whenReachable('probe', 1);
      const peer = await linkedPeer(leaf.transport.port!, 'transit-seeker');
      peers.push(peer);
      peer.sendSession({ type: 'call', id: 1, service: 'probe', version: 1, method: 'where', input: {} });
      const error = (await answer(peer, 1)).error as { code: string; message: string };
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toBe("mesh node 'leaf' does not serve probe.v1.where and does not forward calls for other nodes");
    } finally {
      await leaf.stop();
    }
  });

  it('answers a result too large for the peer with PAYLOAD_TOO_LARGE for that call and keeps the link', async () => {
    const peer = await linkedPeer(port, 'small', 64 * 1024);
    peers.push(peer);
    peer.sendSession({ type: 'call', id: 1, service: 'probe', version: 1, method: 'big', input: { size: 100_000 } });
    const error = (await answer(peer, 1)).error as { code: string; message: string };
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain('65536');
    peer.sendSession({ type: 'call', id: 2, service: 'probe', version: 1, method: 'where', input: {} });
    expect((await answer(peer, 2)).output).toMatchObject({ node: 'srv' });
  });

  it('closes a link whose peer sends a message over this node’s frame limit', async () => {
    const peer = await linkedPeer(port, 'bulky');
    peers.push(peer);
    peer.sendSession({ type: 'call', id: 1, service: 'probe', version: 1, method: 'where', input: { pad: 'x'.repeat(200 * 1024) } });
    await peer.closed;
    await until(() => !srv.transport.status().links.some((l) => l.peer === 'bulky'));
  });
});

describe('a node id used twice in different parts of the mesh', () => {
  it('is logged as an error by both processes, which refute each other once and no more', async () => {
    const logs = { x: [] as string[], y: [] as string[] };
    const a = await startNode('dup-a', []);
    const b = await startNode('dup-b', [], { seeds: [a.addr] });
    // Neither twin can link where the other is linked: each joins through its own node.
    const x = await startNode('dup', [probeHandlers('dup-x')], { seeds: [a.addr], dialDiscovered: false, logger: recordingLogger(logs.x) });
    const y = await startNode('dup', [probeHandlers('dup-y')], { seeds: [b.addr], dialDiscovered: false, logger: recordingLogger(logs.y) });
    try {
      const reported = (lines: string[]) => lines.filter((line) => line.includes('another mesh node uses this node id')).length;
      await until(() => reported(logs.x) === 1 && reported(logs.y) === 1, 3_000, 'both twins reported the other');
      // The mesh settles: no more records go round, and the nodes in between still route calls.
      await sleep(200);
      const settled = [a, b].map((n) => n.transport.status().gossip);
      await sleep(500);
      expect([a, b].map((n) => n.transport.status().gossip)).toEqual(settled);
      expect(await a.dispatcher.unary({ id: 'd1', service: 'probe', version: 1, method: 'where', input: {}, meta: { hops: 0, headers: {} } })).toMatchObject({ hops: 1 });
    } finally {
      await Promise.all([x, y, b, a].map((n) => n.stop()));
    }
  });
});
