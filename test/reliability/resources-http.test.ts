/**
 * Resource attacks on the HTTP transport, against a server in its own process (memory measured there
 * after a full GC): slowloris (headers dribbled byte by byte, bodies that never finish), oversize
 * bodies, more connections than the server takes, and a flood of event streams. Throughout, a
 * well-behaved client keeps calling; limits answer with the documented status and Accord's body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { decodeErrorBody } from './support/clear-errors.js';
import { ConnectionFlood, eventually } from './support/connection-flood.js';
import { exchange, requestBytes } from './support/raw-http.js';
import { growth, MiB, Target } from './support/target.js';
import { WellBehavedClients } from './support/well-behaved.js';

const LIMITS = { requestTimeoutMs: 2_000, maxConnections: 1_000, bodyLimitBytes: 1 * MiB, events: { maxStreams: 200 } };

describe('HTTP resource limits', () => {
  let target: Target;
  let clients: WellBehavedClients;
  let port: number;
  beforeAll(async () => {
    target = await Target.start({ http: LIMITS });
    port = Number(new URL(target.ready.http!).port);
    clients = new WellBehavedClients(target, ['http']);
    await clients.check();
  });
  afterAll(async () => {
    await clients?.close();
    await target?.stop();
  });

  /** Connections that each write `head` and then one more byte of `drip` every `everyMs`, until the server closes them. */
  async function dribble(n: number, head: string, drip: string, everyMs: number): Promise<{ flood: ConnectionFlood; answers: string[]; stop(): void }> {
    const flood = new ConnectionFlood();
    await flood.tcp(port, n, Buffer.from(head));
    const answers: string[] = [];
    for (const socket of flood.sockets) socket.on('data', (d: Buffer) => answers.push(d.toString('latin1')));
    let i = 0;
    const timer = setInterval(() => {
      for (const socket of flood.sockets) if (!socket.destroyed) socket.write(drip[i % drip.length]!);
      i++;
    }, everyMs);
    return { flood, answers, stop: () => clearInterval(timer) };
  }

  it('closes connections that dribble their headers byte by byte with 408 within requestTimeoutMs, serving others meanwhile', async () => {
    const before = await target.memory();
    const stop = clients.keepCalling();
    const attack = await dribble(300, 'GET /healthz HTTP/1.1\r\nhost: x\r\n', 'x-slow: aaaaaaaaaaaaaaaa\r\n', 100);
    try {
      const peak = await target.memory();
      expect(await eventually(() => attack.flood.closed.tcp === 300, LIMITS.requestTimeoutMs + 2_000)).toBe(true);
      expect(attack.answers.filter((a) => a.startsWith('HTTP/1.1 408'))).toHaveLength(300);
      expect(attack.answers[0]).toContain('"code":"DEADLINE_EXCEEDED"');
      const summary = await stop();
      const after = await target.memory();
      console.log(`http slowloris headers × 300: growth at peak ${JSON.stringify(growth(before, peak))} MiB, after ${JSON.stringify(growth(before, after))} MiB; well-behaved: ${summary.rounds} rounds, slowest ${summary.slowestMs} ms`);
      expect(summary.failures).toEqual([]);
      expect(peak.heapUsed - before.heapUsed).toBeLessThan(32 * MiB);
      expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * MiB);
    } finally {
      attack.stop();
      attack.flood.close();
      await stop();
    }
  }, 20_000);

  it('closes connections whose body never finishes with 408 within requestTimeoutMs', async () => {
    const stop = clients.keepCalling();
    const head = 'POST /rpc/math/v1/add HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"a":';
    const attack = await dribble(200, head, '1', 100);
    try {
      expect(await eventually(() => attack.flood.closed.tcp === 200, LIMITS.requestTimeoutMs + 2_000)).toBe(true);
      expect(attack.answers.filter((a) => a.startsWith('HTTP/1.1 408'))).toHaveLength(200);
      expect((await stop()).failures).toEqual([]);
    } finally {
      attack.stop();
      attack.flood.close();
      await stop();
    }
  }, 20_000);

  it('answers oversize bodies 413 PAYLOAD_TOO_LARGE without holding them: declared up front, or streamed past the limit', async () => {
    const before = await target.memory();
    const declared = await exchange(port, requestBytes('POST', '/rpc/math/v1/add', [['content-type', 'application/json'], ['content-length', String(100 * MiB)]]), 5_000);
    expect(declared.response?.status).toBe(413);
    expect(decodeErrorBody(declared.response!.headers['content-type'], declared.response!.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // Twenty clients stream 16 MiB chunked bodies at once: each is cut at the 1 MiB limit. A client still
    // sending when the server answers and closes may see the connection reset before it reads the 413.
    const statuses = await Promise.all(Array.from({ length: 20 }, () => new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, async () => {
        socket.write('POST /rpc/math/v1/add HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        // Like a client that reads an early answer, stop sending once the server has answered.
        for (let i = 0; i < 64 && !socket.destroyed && answer === ''; i++) {
          if (!socket.write(`${chunk.length.toString(16)}\r\n`) || !socket.write(chunk) || !socket.write('\r\n')) await new Promise((r) => socket.once('drain', r).once('close', r));
        }
      });
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(answer.slice(0, 12)));
    })));
    expect(statuses.every((status) => status === 'HTTP/1.1 413' || status === '')).toBe(true);
    expect(statuses.filter((status) => status === 'HTTP/1.1 413').length).toBeGreaterThan(0);
    const after = await target.memory();
    await clients.check();
    console.log(`http 20 × 16 MiB bodies: growth ${JSON.stringify(growth(before, after))} MiB`);
    expect(after.rss - before.rss).toBeLessThan(64 * MiB);
  }, 20_000);

  it('answers connections past maxConnections 503 UNAVAILABLE at once, and takes new ones again once idle ones time out', async () => {
    const stop = clients.keepCalling();
    const flood = new ConnectionFlood();
    try {
      await flood.tcp(port, 1_100);
      const over = await exchange(port, requestBytes('POST', '/rpc/math/v1/add', [['content-type', 'application/json']], Buffer.from('{"a":1,"b":2}')), 3_000);
      expect(over.response?.status).toBe(503);
      expect(over.response?.headers['retry-after']).toBe('1');
      expect(decodeErrorBody(over.response!.headers['content-type'], over.response!.body)).toMatchObject({ code: 'UNAVAILABLE' });
      expect(await eventually(() => flood.closed.tcp === 1_100, LIMITS.requestTimeoutMs + 3_000)).toBe(true);
      const again = await exchange(port, requestBytes('POST', '/rpc/math/v1/add', [['content-type', 'application/json']], Buffer.from('{"a":1,"b":2}')), 3_000);
      expect(again.response?.status).toBe(200);
      expect((await stop()).failures).toEqual([]);
    } finally {
      flood.close();
      await stop();
    }
  }, 20_000);

  it('frees the slot of a stream whose client stopped reading once its deadline passes', async () => {
    // The server waited for the socket to drain, so nothing saw the deadline: the stream, its handler
    // and its in-flight slot were held for as long as the client kept the connection open.
    const small = await Target.start({ http: { maxInFlight: 2 } });
    const smallPort = Number(new URL(small.ready.http!).port);
    const stalled = new ConnectionFlood();
    try {
      const request = requestBytes('POST', '/rpc/probe/v1/count', [['content-type', 'application/json'], ['accord-timeout', '1000']], Buffer.from('{"count":1000000,"pad":10000}'));
      await stalled.tcp(smallPort, 2, request);
      for (const socket of stalled.sockets) socket.pause();
      const add = () => exchange(smallPort, requestBytes('POST', '/rpc/math/v1/add', [['content-type', 'application/json']], Buffer.from('{"a":1,"b":2}')), 3_000);
      expect(await eventually(async () => (await add()).response?.status === 429, 3_000)).toBe(true);
      expect(await eventually(async () => (await add()).response?.status === 200, 5_000)).toBe(true);
    } finally {
      stalled.close();
      await small.stop();
    }
  }, 20_000);

  it('answers event streams past events.maxStreams 429 RESOURCE_EXHAUSTED', async () => {
    const flood = new ConnectionFlood();
    try {
      await flood.tcp(port, 200, Buffer.from('GET /events/ticker/v1/alert HTTP/1.1\r\nhost: x\r\n\r\n'));
      let streams = 0;
      for (const socket of flood.sockets) socket.on('data', (d: Buffer) => d.toString('latin1').startsWith('HTTP/1.1 200') && streams++);
      expect(await eventually(() => streams === 200, 5_000)).toBe(true);
      const refused = await exchange(port, requestBytes('GET', '/events/ticker/v1/alert', []), 3_000);
      expect(refused.response?.status).toBe(429);
      expect(decodeErrorBody(refused.response!.headers['content-type'], refused.response!.body)).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
      await clients.check();
    } finally {
      flood.close();
    }
  }, 20_000);
});
