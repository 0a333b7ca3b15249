/**
 * Limits and clear errors of the NATS transport: bodies over the NATS server's max_payload (both
 * ways), calls in flight per server and open per client, and configuration mistakes named by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { service, unary } from 'accord-rpc/contract';
import { AccordError, bindService, Dispatcher, type HandlerContext } from 'accord-rpc/core';
import { natsClient, natsTransport, type NatsClientTransport, type NatsServerTransport } from 'accord-rpc/nats';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { waitFor } from './processes.js';

const blobs = service({
  name: 'blobs',
  version: 1,
  methods: {
    make: unary({ input: z.object({ size: z.number().int() }), output: z.object({ text: z.string() }), runs: 'inline' }),
    take: unary({ input: z.object({ text: z.string() }), output: z.object({ size: z.number() }), runs: 'inline' }),
    hold: unary({ input: z.object({}), output: z.object({}), runs: 'inline' }),
  },
});
const blobsService = bindService(blobs, {
  make: ({ size }: { size: number }) => ({ text: 'x'.repeat(size) }),
  take: ({ text }: { text: string }) => ({ size: text.length }),
  hold: (_: unknown, ctx: HandlerContext) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
});

let nats: NatsServer;
let server: NatsServerTransport;
let client: NatsClientTransport;
const call = (method: string, input: unknown, timeoutMs?: number) =>
  client.unary({ service: 'blobs', version: 1, method, input, metadata: {}, idempotent: false, deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs });
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: AccordError) => e);

beforeAll(async () => {
  nats = await startNatsServer();
  server = natsTransport({ servers: nats.url, maxInFlight: 2 });
  await server.start(new Dispatcher({ services: [blobsService] }));
  client = natsClient({ servers: nats.url });
});

afterAll(async () => {
  await client?.close();
  await server?.stop({ graceMs: 100 });
  await nats?.stop();
});

describe('NATS transport limits', () => {
  it('an input over max_payload fails the call at once with PAYLOAD_TOO_LARGE; an output over it is INTERNAL naming the limit', async () => {
    expect(await failure(call('take', { text: 'y'.repeat(2 * 1024 * 1024) }))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/max_payload/) });
    expect(await failure(call('make', { size: 2 * 1024 * 1024 }))).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/over the NATS server's max_payload of 1048576 bytes/) });
    expect(await call('make', { size: 10 })).toEqual({ text: 'x'.repeat(10) });
  });

  it('past maxInFlight a server answers RESOURCE_EXHAUSTED at once, and takes calls again once they end', async () => {
    const held = [call('hold', {}, 1_000), call('hold', {}, 1_000)];
    await new Promise((r) => setTimeout(r, 100));
    expect(await failure(call('make', { size: 1 }))).toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: expect.stringMatching(/limit 2/) });
    expect((await Promise.all(held.map(failure))).map((e) => e?.code)).toEqual(['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
    // The server's copy of the deadline started when the request arrived: a moment later.
    await waitFor(() => (server.inFlight === 0 ? true : undefined), 2_000, 'the held calls to end on the server');
    expect(await call('make', { size: 1 })).toEqual({ text: 'x' });
  });

  it('past maxPending a client refuses new calls at once with RESOURCE_EXHAUSTED', async () => {
    const small = natsClient({ servers: nats.url, maxPending: 1 });
    try {
      const first = small.unary({ service: 'blobs', version: 1, method: 'hold', input: {}, metadata: {}, idempotent: false, deadline: Date.now() + 300 });
      const second = await failure(small.unary({ service: 'blobs', version: 1, method: 'make', input: { size: 1 }, metadata: {}, idempotent: false }));
      expect(second).toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: 'too many calls open on this NATS client (limit 1)' });
      expect(await failure(first)).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    } finally {
      await small.close();
    }
  });

  it('configuration mistakes are named by field', async () => {
    expect(() => natsTransport({ sevrers: 'x' } as never)).toThrow(/transports\.nats: unknown option 'sevrers'; known options: servers,/);
    expect(() => natsTransport({ prefix: 'a b' })).toThrow(/transports\.nats\.prefix must be one or more subject tokens/);
    expect(() => natsTransport({ queue: 'a.b' })).toThrow(/transports\.nats\.queue must be one subject token/);
    expect(() => natsTransport({ codec: 'xml' as never })).toThrow(/transports\.nats\.codec must be 'json' or 'msgpack'/);
    expect(() => natsClient({ codec: 'xml' as never })).toThrow(/natsClient\.codec must be 'json' or 'msgpack'/);
    await expect(natsTransport({ servers: [] }).start(new Dispatcher({ services: [blobsService] }))).rejects.toThrow(/transports\.nats\.servers must be a NATS URL or a non-empty list/);
  });
});
