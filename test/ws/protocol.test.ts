/** The frame protocol by hand: handshake, plain JSON debugging, malformed frames, size limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msgpackCodec } from 'accord-rpc/core';
import { call, rawPeer, rejection, startHarness, until, type Harness } from './fixture.js';

describe('ws protocol', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ maxFrameBytes: 4096 });
  });
  afterAll(() => h.close());

  it('a person can talk to it with a plain WebSocket and JSON text frames', async () => {
    const peer = await rawPeer(h.url);
    expect(peer.frames[0]).toMatchObject({ type: 'welcome', version: 1, codec: 'json', limits: { maxFrameBytes: 4096 } });
    peer.send({ type: 'call', id: 1, service: 'math', version: 1, method: 'add', input: { a: 2, b: 3 } });
    peer.send({ type: 'ping', data: 'x' });
    await until(() => peer.frames.length >= 3);
    expect(peer.frames).toContainEqual({ type: 'result', id: 1, output: { sum: 5 } });
    expect(peer.frames).toContainEqual({ type: 'pong', data: 'x' });
    peer.send({ type: 'call', id: 2, service: 'math', version: 1, method: 'divide', input: { a: 1, b: 0 } });
    await until(() => peer.frames.some((f) => f.id === 2));
    expect(peer.frames.find((f) => f.id === 2)).toMatchObject({ type: 'error', id: 2, error: { code: 'DIVISION_BY_ZERO', data: { dividend: 1 } } });
    peer.socket.close();
  });

  it('a batch (an array of frames) is handled in order', async () => {
    const peer = await rawPeer(h.url);
    peer.send([1, 2, 3].map((id) => ({ type: 'call', id, service: 'math', version: 1, method: 'add', input: { a: id, b: 0 } })));
    await until(() => peer.frames.filter((f) => f.type === 'result').length === 3);
    expect(peer.frames.filter((f) => f.type === 'result').map((f) => f.id)).toEqual([1, 2, 3]);
    // Order matters, not only arrival: the subscription exists before the call in the same batch emits.
    peer.send([
      { type: 'subscribe', id: 10, service: 'probe', version: 1, event: 'noted' },
      { type: 'call', id: 11, service: 'probe', version: 1, method: 'note', input: { text: 'in order' } },
      { type: 'unsubscribe', id: 10 },
      { type: 'call', id: 12, service: 'probe', version: 1, method: 'note', input: { text: 'after unsubscribe' } },
    ]);
    await until(() => peer.frames.some((f) => f.id === 12));
    expect(peer.frames.filter((f) => f.type === 'event')).toEqual([{ type: 'event', id: 10, data: { text: 'in order' } }]);
    peer.socket.close();
  });

  it("enforces a call frame's timeout on the server: a slow handler gets DEADLINE_EXCEEDED from the server and its signal aborts", async () => {
    const peer = await rawPeer(h.url);
    peer.send({ type: 'call', id: 1, service: 'probe', version: 1, method: 'hold', input: { key: 'server-deadline' }, timeout: 80 });
    await until(() => peer.frames.some((f) => f.id === 1), 2_000);
    // The raw peer has no client-side timer: this error can only have come from the server.
    expect(peer.frames.find((f) => f.id === 1)).toMatchObject({ type: 'error', id: 1, error: { code: 'DEADLINE_EXCEEDED' } });
    await until(() => h.state.aborted.includes('DEADLINE_EXCEEDED'));
    peer.socket.close();
  });

  it('carries hops, trace context and the visited nodes of a call frame to the handler', async () => {
    const peer = await rawPeer(h.url);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    peer.send({ type: 'call', id: 1, service: 'probe', version: 1, method: 'meta', input: {}, hops: 2, traceparent, visited: ['edge-1'] });
    peer.send({ type: 'call', id: 2, service: 'probe', version: 1, method: 'meta', input: {}, visited: ['bad node id'] });
    peer.send({ type: 'call', id: 3, service: 'probe', version: 1, method: 'meta', input: {}, visited: [h.dispatcher.nodeId] });
    await until(() => peer.frames.some((f) => f.id === 3) || peer.frames.some((f) => f.type === 'error' && f.id === undefined));
    expect(peer.frames.find((f) => f.id === 1)).toEqual({ type: 'result', id: 1, output: { hops: 2, traceparent, visited: ['edge-1'] } });
    // A malformed visited list is a protocol error: the connection closes.
    expect(peer.frames.find((f) => f.type === 'error' && f.id === undefined)).toMatchObject({ error: { code: 'PROTOCOL_ERROR', message: expect.stringContaining('visited') } });
    expect((await peer.closed).code).toBe(1002);
    const again = await rawPeer(h.url);
    again.send({ type: 'call', id: 3, service: 'probe', version: 1, method: 'meta', input: {}, visited: [h.dispatcher.nodeId] });
    await until(() => again.frames.some((f) => f.id === 3));
    expect(again.frames.find((f) => f.id === 3)).toMatchObject({ type: 'error', error: { code: 'LOOP_DETECTED' } });
    again.socket.close();
  });

  it('refuses an unsupported protocol version with a protocol error', async () => {
    const peer = await rawPeer(h.url, { hello: false });
    peer.send({ type: 'hello', version: 99, codec: 'json' });
    const closed = await peer.closed;
    expect(closed.code).toBe(1002);
    expect(peer.frames[0]).toMatchObject({ type: 'error', error: { code: 'PROTOCOL_ERROR', data: { supported: [1] } } });
  });

  it('refuses anything before hello', async () => {
    const peer = await rawPeer(h.url, { hello: false });
    peer.send({ type: 'call', id: 1, service: 'math', method: 'add', input: {} });
    expect((await peer.closed).code).toBe(1002);
    expect(peer.frames[0]).toMatchObject({ type: 'error', error: { code: 'PROTOCOL_ERROR' } });
  });

  const malformed: Array<[string, (peer: Awaited<ReturnType<typeof rawPeer>>) => void, number]> = [
    ['bad JSON', (p) => p.socket.send('{"type": "call", oops'), 1002],
    ['bad MessagePack', (p) => p.socket.send(Buffer.from([0xc1, 0xc1, 0xc1])), 1002],
    ['an unknown frame type', (p) => p.send({ type: 'teleport', id: 1 }), 1002],
    ['a call frame without a method', (p) => p.send({ type: 'call', id: 1, service: 'math' }), 1002],
    ['a frame over the size limit', (p) => p.send({ type: 'call', id: 1, service: 'math', method: 'add', input: { pad: 'x'.repeat(10_000) } }), 1009],
  ];

  for (const [what, send, code] of malformed) {
    it(`${what}: closes that connection only (${code})`, async () => {
      const bystander = h.client({ codec: 'msgpack' });
      expect(await bystander.unary(call('echo', { n: 1 }))).toEqual({ n: 1 });
      const peer = await rawPeer(h.url);
      send(peer);
      const closed = await peer.closed;
      expect(closed.code).toBe(code);
      if (code === 1002) expect(peer.frames.at(-1)).toMatchObject({ type: 'error', error: { code: 'PROTOCOL_ERROR' } });
      expect(await bystander.unary(call('echo', { n: 2 }))).toEqual({ n: 2 });
      expect(bystander.connected).toBe(true);
    });
  }

  it('MessagePack binary frames carry bytes raw', async () => {
    const peer = await rawPeer(h.url, { hello: false });
    peer.socket.send(msgpackCodec.encode({ type: 'hello', version: 1, codec: 'msgpack' }));
    await until(() => peer.frames.length > 0);
    const decoded = () => peer.frames;
    expect(decoded()[0]).toMatchObject({ type: 'welcome', codec: 'msgpack' });
    peer.socket.send(msgpackCodec.encode({ type: 'call', id: 1, service: 'files', version: 1, method: 'upload', input: { name: 'a', content: new Uint8Array([0, 255, 7]) }, metadata: { 'x-api-key': 'file-key' } }));
    await until(() => peer.frames.length > 1);
    const stored = decoded()[1] as { type: string; output: { id: string; size: number } };
    expect(stored).toMatchObject({ type: 'result', output: { size: 3 } });
    peer.socket.send(msgpackCodec.encode({ type: 'call', id: 2, service: 'files', version: 1, method: 'download', input: { id: stored.output.id }, stream: true, credit: 4 }));
    await until(() => decoded().some((f) => f.type === 'end'));
    const item = decoded().find((f) => f.type === 'item') as { output: { chunk: Uint8Array } };
    expect(item.output.chunk).toBeInstanceOf(Uint8Array);
    expect([...item.output.chunk]).toEqual([0, 255, 7]);
    peer.socket.close();
  });

  it('the client refuses to send a call over the frame limit (PAYLOAD_TOO_LARGE) and keeps its connection', async () => {
    const client = h.client();
    expect(await client.unary(call('echo', { n: 1 }))).toEqual({ n: 1 });
    const error = await rejection(client.unary(call('note', { text: 'y'.repeat(10_000) })));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    // The limit counts UTF-8 bytes: 3,000 'é' are 6,000 bytes, though only 3,000 UTF-16 units.
    expect((await rejection(client.unary(call('note', { text: 'é'.repeat(3_000) })))).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await client.unary(call('echo', { n: 3 }))).toEqual({ n: 3 });
    expect(client.connected).toBe(true);
  });
});
