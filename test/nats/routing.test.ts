/**
 * The NATS transport as a router: a process that does not serve a method reaches one that does,
 * found by micro discovery (announced at start), with the core's rules kept: one more hop, the
 * visited list (a call that comes back to a node is LOOP_DETECTED), the deadline, and cancellation
 * reaching the remote handler. A router never routes to its own process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { service, stream, unary } from 'accord-rpc/contract';
import { AccordError, bindService, Dispatcher, nextCallId, type CallEnvelope, type CallMeta, type HandlerContext } from 'accord-rpc/core';
import { natsClient, natsTransport, type NatsClientTransport, type NatsServerTransport } from 'accord-rpc/nats';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { waitFor } from './processes.js';

const echo = service({
  name: 'echo',
  version: 1,
  methods: {
    echo: unary({ input: z.object({ text: z.string() }), output: z.object({ text: z.string(), hops: z.number(), visited: z.array(z.string()) }), runs: 'inline' }),
    wait: unary({ input: z.object({}), output: z.object({}), runs: 'inline' }),
    count: stream({ input: z.object({ to: z.number() }), output: z.object({ n: z.number() }), runs: 'inline' }),
  },
});
const gateway = service({
  name: 'gateway',
  version: 1,
  methods: { relay: unary({ input: z.object({ text: z.string() }), output: z.object({ text: z.string(), hops: z.number(), visited: z.array(z.string()) }), runs: 'inline' }) },
});

const aborts: string[] = [];
const echoService = bindService(echo, {
  echo: ({ text }: { text: string }, ctx: HandlerContext) => ({ text, hops: ctx.meta.hops, visited: ctx.meta.visited ?? [] }),
  wait: (_: unknown, ctx: HandlerContext) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => {
    aborts.push((ctx.signal.reason as AccordError).code);
    reject(ctx.signal.reason);
  })),
  async *count({ to }: { to: number }) {
    for (let n = 1; n <= to; n++) yield { n };
  },
});
const gatewayService = bindService(gateway, {
  // A nested call to a service this process does not serve: the dispatcher hands it to the NATS router.
  relay: ({ text }: { text: string }, ctx: HandlerContext) =>
    ctx.transport.unary({ service: 'echo', version: 1, method: 'echo', input: { text }, metadata: {}, idempotent: false }) as Promise<never>,
});

let nats: NatsServer;
let front: Dispatcher;
let back: Dispatcher;
const transports: NatsServerTransport[] = [];
let client: NatsClientTransport;

function envelope(service: string, version: number | undefined, method: string, input: unknown, meta: Partial<CallMeta> = {}): CallEnvelope {
  return { id: nextCallId(), service, version, method, input, meta: { hops: 0, headers: {}, ...meta } };
}

beforeAll(async () => {
  nats = await startNatsServer();
  front = new Dispatcher({ services: [gatewayService], nodeId: 'front' });
  back = new Dispatcher({ services: [echoService], nodeId: 'back' });
  for (const dispatcher of [front, back]) {
    const transport = natsTransport({ servers: nats.url });
    await transport.start(dispatcher);
    transports.push(transport);
  }
  // `back` started second: `front` learns of it from its announcement.
  await waitFor(() => front.findRouted('echo', 1, 'echo'), 5_000, 'front to discover echo.v1');
  client = natsClient({ servers: nats.url });
});

afterAll(async () => {
  await client?.close();
  for (const t of transports) await t.stop({ graceMs: 100 });
  await nats?.stop();
});

describe('routing over NATS', () => {
  it('a nested call from a handler reaches the process that serves it, one hop further, with the caller node visited', async () => {
    const result = await client.unary({ service: 'gateway', version: 1, method: 'relay', input: { text: 'hi' }, metadata: {}, idempotent: false });
    expect(result).toEqual({ text: 'hi', hops: 2, visited: ['front'] });
  });

  it('a call for "the latest version" is routed to the highest version discovered; a stream is routed too', async () => {
    expect(await front.unary(envelope('echo', undefined, 'echo', { text: 'x' }))).toEqual({ text: 'x', hops: 1, visited: ['front'] });
    const items: unknown[] = [];
    for await (const item of front.stream(envelope('echo', 1, 'count', { to: 3 }))) items.push(item);
    expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('a call that already visited the serving node ends with LOOP_DETECTED there', async () => {
    const error = await front.unary(envelope('echo', 1, 'echo', { text: 'x' }, { visited: ['back'], hops: 1 })).catch((e: AccordError) => e);
    expect(error).toMatchObject({ code: 'LOOP_DETECTED', message: expect.stringContaining("came back to node 'back'") });
  });

  it('cancelling a routed call aborts the remote handler', async () => {
    const controller = new AbortController();
    const pending = front.unary(envelope('echo', 1, 'wait', {}), controller.signal);
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    expect(await pending.catch((e: AccordError) => e.code)).toBe('CANCELLED');
    await waitFor(() => (aborts.length > 0 ? aborts : undefined), 3_000, 'the remote handler to abort');
    expect(aborts).toEqual(['CANCELLED']);
  });

  it('the router never routes to its own process, and a method no process serves is UNIMPLEMENTED', async () => {
    expect(back.findRouted('echo', 2, 'echo')).toBeUndefined();
    expect(back.findRouted('gateway', 1, 'relay')).toEqual({ kind: 'unary' });
    expect(front.findRouted('gateway', 1, 'relay')).toBeUndefined();
    const error = await front.unary(envelope('nothing', 1, 'x', {})).catch((e: AccordError) => e);
    expect(error).toMatchObject({ code: 'UNIMPLEMENTED' });
  });

  it('a client calling a method nobody serves gets UNIMPLEMENTED naming what exists; UNAVAILABLE when no Accord server answers at all', async () => {
    const call = { input: {}, metadata: {}, idempotent: false };
    expect(await client.unary({ ...call, service: 'echo', version: 1, method: 'nope' }).catch((e: AccordError) => e))
      .toMatchObject({ code: 'UNIMPLEMENTED', message: 'echo.v1 has no method \'nope\' on NATS (it has count, echo, wait)' });
    expect(await client.unary({ ...call, service: 'echo', version: 3, method: 'echo' }).catch((e: AccordError) => e))
      .toMatchObject({ code: 'UNIMPLEMENTED', message: '\'echo\' is served in version 1 on NATS, not v3' });
    const elsewhere = natsClient({ servers: nats.url, prefix: 'other' });
    try {
      expect(await elsewhere.unary({ ...call, service: 'echo', version: 1, method: 'echo' }).catch((e: AccordError) => e))
        .toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('no Accord server answers on NATS (nobody listens on other.echo.v1.echo)') });
    } finally {
      await elsewhere.close();
    }
  });
});
