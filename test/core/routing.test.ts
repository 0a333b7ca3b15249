/**
 * Routing in the core: a dispatcher hands calls it does not serve to a router, and keeps the rules
 * itself (hop limit, visited nodes, deadline, cancellation, method kind). The routers here link
 * dispatchers in one process, like a network of one link each: they know a fixed set of methods
 * (a route table) and pass the call, with its cancellation scope, to the next dispatcher.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { event, service, stream, unary } from 'accord-rpc/contract';
import {
  AccordError, bindService, Dispatcher, nextCallId, type CallEnvelope, type CallMeta, type HandlerContext, type PublishedEvent, type Router,
} from 'accord-rpc/core';

const remote = service({
  name: 'remote',
  version: 1,
  methods: {
    echo: unary({ input: z.object({ text: z.string() }), output: z.object({ text: z.string(), hops: z.number(), visited: z.array(z.string()) }), runs: 'inline' }),
    wait: unary({ input: z.object({}), output: z.object({}), runs: 'inline' }),
    count: stream({ input: z.object({ to: z.number() }), output: z.object({ n: z.number() }), runs: 'inline' }),
  },
  events: { pinged: event({ data: z.object({ n: z.number() }) }) },
});

function serving() {
  const seen = { aborts: [] as unknown[], streamsClosed: 0 };
  const bound = bindService(remote, {
    echo: ({ text }: { text: string }, ctx: HandlerContext) => ({ text, hops: ctx.meta.hops, visited: ctx.meta.visited ?? [] }),
    wait: (_: unknown, ctx: HandlerContext) =>
      new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => {
        seen.aborts.push(ctx.signal.reason);
        reject(ctx.signal.reason);
      })),
    async *count({ to }: { to: number }) {
      try {
        for (let n = 1; n <= to; n++) yield { n };
        await new Promise(() => undefined);
      } finally {
        seen.streamsClosed++;
      }
    },
  });
  return { dispatcher: new Dispatcher({ services: [bound], nodeId: 'server' }), seen };
}

/** A router that knows `methods` (kind by name) and passes calls to `next`. */
function link(next: () => Dispatcher, methods: Record<string, 'unary' | 'stream'>): Router & { forwarded: CallEnvelope[] } {
  const forwarded: CallEnvelope[] = [];
  return {
    name: 'memory',
    forwarded,
    find: (service, _version, method) => (service === 'remote' && methods[method] ? { kind: methods[method] } : undefined),
    unary: (envelope, scope) => {
      forwarded.push(envelope);
      return next().unary(envelope, scope);
    },
    stream: (envelope, scope) => {
      forwarded.push(envelope);
      return next().stream(envelope, scope);
    },
  };
}

const ALL = { echo: 'unary', wait: 'unary', count: 'stream' } as const;

function envelope(method: string, input: unknown, meta: Partial<CallMeta> = {}): CallEnvelope {
  return { id: nextCallId(), service: 'remote', version: 1, method, input, meta: { hops: 0, headers: {}, ...meta } };
}

function gateway(nodeId: string, router: Router): Dispatcher {
  const dispatcher = new Dispatcher({ services: [], nodeId });
  dispatcher.addRouter(router);
  return dispatcher;
}

describe('routing through the dispatcher', () => {
  it('runs a call no local service answers on the next node, with one more hop and this node visited', async () => {
    const { dispatcher: server } = serving();
    const router = link(() => server, ALL);
    const a = gateway('a', router);
    await expect(a.unary(envelope('echo', { text: 'hi' }, { hops: 2 }))).resolves.toEqual({ text: 'hi', hops: 3, visited: ['a'] });
    expect(router.forwarded[0].meta.deadline).toBeGreaterThan(Date.now());
    expect(a.findRouted('remote', 1, 'count')).toEqual({ kind: 'stream' });
    expect(a.findRouted('remote', 1, 'nope')).toBeUndefined();
  });

  it('ends a two-node routing cycle with LOOP_DETECTED naming the path, not a timeout', async () => {
    let b: Dispatcher;
    const a = gateway('a', link(() => b, ALL));
    b = gateway('b', link(() => a, ALL));
    const started = Date.now();
    const error = await a.unary(envelope('echo', { text: 'x' })).catch((e: AccordError) => e);
    expect(error).toBeInstanceOf(AccordError);
    expect((error as AccordError).code).toBe('LOOP_DETECTED');
    expect((error as AccordError).message).toContain('a → b');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses to route a call that already made the maximum number of hops', async () => {
    const { dispatcher: server } = serving();
    const router = link(() => server, ALL);
    const a = new Dispatcher({ services: [], nodeId: 'a', maxHops: 3 });
    a.addRouter(router);
    await expect(a.unary(envelope('echo', { text: 'x' }, { hops: 3 }))).rejects.toMatchObject({ code: 'LOOP_DETECTED' });
    expect(router.forwarded).toHaveLength(0);
  });

  it('ends a routed call at its deadline and aborts the remote handler', async () => {
    const { dispatcher: server, seen } = serving();
    const a = gateway('a', link(() => server, ALL));
    const error = await a.unary(envelope('wait', {}, { deadline: Date.now() + 60 })).catch((e: AccordError) => e);
    expect((error as AccordError).code).toBe('DEADLINE_EXCEEDED');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.aborts).toHaveLength(1);
  });

  it("passes the caller's cancellation to the remote handler", async () => {
    const { dispatcher: server, seen } = serving();
    const a = gateway('a', link(() => server, ALL));
    const controller = new AbortController();
    const pending = a.unary(envelope('wait', {}), controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen.aborts).toHaveLength(1);
  });

  it('routes server streams, and stopping early closes the remote generator', async () => {
    const { dispatcher: server, seen } = serving();
    const a = gateway('a', link(() => server, ALL));
    const items: number[] = [];
    for await (const item of a.stream(envelope('count', { to: 5 }))) {
      items.push((item as { n: number }).n);
      if (items.length === 3) break;
    }
    expect(items).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.streamsClosed).toBe(1);
  });

  it('answers UNIMPLEMENTED when no router knows the method, and INVALID_ARGUMENT for the wrong kind', async () => {
    const { dispatcher: server } = serving();
    const a = gateway('a', link(() => server, { echo: 'unary' }));
    await expect(a.unary(envelope('count', { to: 1 }))).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    const iterator = a.stream(envelope('echo', { text: 'x' }));
    await expect(iterator.next()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('serves locally first, and a call that lists this node as visited is a loop even when served here', async () => {
    const { dispatcher: server } = serving();
    const router = link(() => server, ALL);
    server.addRouter(router);
    await expect(server.unary(envelope('echo', { text: 'x' }))).resolves.toMatchObject({ hops: 0 });
    expect(router.forwarded).toHaveLength(0);
    await expect(server.unary(envelope('echo', { text: 'x' }, { visited: ['a', 'server'] }))).rejects.toMatchObject({ code: 'LOOP_DETECTED' });
  });
});

describe('relayed events', () => {
  it('reach subscribers, are validated when the service is served here, and keep their origin for taps', () => {
    const { dispatcher } = serving();
    const received: unknown[] = [];
    const tapped: PublishedEvent[] = [];
    dispatcher.subscribe('remote', 1, 'pinged', (data) => received.push(data));
    dispatcher.events.tap((e) => tapped.push(e));
    dispatcher.relay({ service: 'remote', version: 1, event: 'pinged', data: { n: 1 }, origin: 'nats' });
    dispatcher.emit('remote', 1, 'pinged', { n: 2 });
    expect(received).toEqual([{ n: 1 }, { n: 2 }]);
    expect(tapped.map((e) => e.origin)).toEqual(['nats', undefined]);
    expect(() => dispatcher.relay({ service: 'remote', version: 1, event: 'pinged', data: { n: 'one' }, origin: 'nats' })).toThrow(/pinged/);
  });
});
