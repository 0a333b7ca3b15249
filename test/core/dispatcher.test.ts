/**
 * The dispatcher on its own, in-process: lookup, validation, auth, deadlines, cancellation, hop
 * limit, guards, output checks, error mapping and events. Transports are tested in their folders.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { service, stream, unary, event } from 'accord-rpc/contract';
import {
  AccordError, bindService, CallScope, Dispatcher, nextCallId, type CallEnvelope, type HandlerContext, type Logger,
} from 'accord-rpc/core';

const probe = service({
  name: 'probe',
  version: 1,
  securitySchemes: { bearer: { type: 'bearer' }, key: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
  methods: {
    echo: unary({ input: z.object({ text: z.string(), times: z.number().int().min(1).default(1) }), output: z.object({ text: z.string() }), runs: 'inline' }),
    secret: unary({ input: z.object({}), output: z.object({ subject: z.string() }), auth: { scheme: ['bearer', 'key'], scopes: ['admin'] }, runs: 'inline' }),
    whoami: unary({ input: z.object({}), output: z.object({ subject: z.string().optional() }), runs: 'inline' }),
    slow: unary({ input: z.object({ ms: z.number() }), output: z.object({ aborted: z.boolean() }), runs: 'inline' }),
    stubborn: unary({ input: z.object({}), output: z.object({}), runs: 'inline', timeoutMs: 50 }),
    crash: unary({ input: z.object({}), output: z.object({}), runs: 'inline' }),
    typed: unary({ input: z.object({}), output: z.object({}), errors: { TEAPOT: { status: 418, data: z.object({ brew: z.string() }) } }, runs: 'inline' }),
    typedWrongData: unary({ input: z.object({}), output: z.object({}), errors: { TEAPOT: { status: 418, data: z.object({ brew: z.string() }) } }, runs: 'inline' }),
    undeclared: unary({ input: z.object({}), output: z.object({}), runs: 'inline' }),
    wrongOutput: unary({ input: z.object({}), output: z.object({ n: z.number() }), runs: 'inline' }),
    recurse: unary({ input: z.object({ depth: z.number() }), output: z.object({ depth: z.number() }), runs: 'inline' }),
    count: stream({ input: z.object({ to: z.number() }), output: z.object({ n: z.number() }), runs: 'inline' }),
    shout: unary({ input: z.object({ text: z.string() }), output: z.object({}), runs: 'inline' }),
  },
  events: { shouted: event({ data: z.object({ text: z.string() }) }) },
});

const state = { slowAborted: [] as boolean[], streamClosed: 0, lastMeta: undefined as HandlerContext['meta'] | undefined };

const bound = bindService(probe, {
  echo: ({ text, times }: { text: string; times: number }) => ({ text: text.repeat(times) }),
  secret: (_: unknown, ctx: HandlerContext) => ({ subject: ctx.auth!.subject }),
  whoami: (_: unknown, ctx: HandlerContext) => ({ subject: ctx.auth?.subject }),
  slow: ({ ms }: { ms: number }, ctx: HandlerContext) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ aborted: false }), ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        state.slowAborted.push(true);
        resolve({ aborted: true });
      });
    }),
  stubborn: () => new Promise((resolve) => setTimeout(() => resolve({}), 300)),
  crash: () => {
    throw new Error('secret database password in this message');
  },
  typed: () => {
    throw new AccordError('TEAPOT', 'short and stout', { brew: 'earl grey' });
  },
  typedWrongData: () => {
    throw new AccordError('TEAPOT', 'short and stout', { brew: 42 });
  },
  undeclared: () => {
    throw new AccordError('MADE_UP', 'not in the contract');
  },
  wrongOutput: () => ({ n: 'not a number' }),
  recurse: async ({ depth }: { depth: number }, ctx: HandlerContext) => {
    state.lastMeta = ctx.meta;
    if (depth === 0) return { depth: 0 };
    return ctx.transport.unary({ service: 'probe', version: 1, method: 'recurse', input: { depth: depth - 1 }, metadata: {}, idempotent: false }) as Promise<{ depth: number }>;
  },
  count: async function* ({ to }: { to: number }) {
    try {
      for (let n = 1; n <= to; n++) yield { n };
    } finally {
      state.streamClosed++;
    }
  },
  shout: ({ text }: { text: string }, ctx: HandlerContext) => {
    ctx.emit('shouted', { text: text.toUpperCase() });
    return {};
  },
});

const logged: unknown[] = [];
const logger: Logger = { debug() {}, info() {}, warn() {}, error: (obj) => void logged.push(obj) };

const dispatcher = new Dispatcher({
  services: [bound],
  logger,
  maxHops: 3,
  authenticate: ({ token }) => (token === 'root' ? { subject: 'root', scopes: ['admin'] } : token === 'guest' ? { subject: 'guest', scopes: [] } : null),
});

function call(method: string, input: unknown, meta: Partial<CallEnvelope['meta']> = {}, svc = 'probe'): CallEnvelope {
  return { id: nextCallId(), service: svc, method, input, meta: { hops: 0, headers: {}, ...meta } };
}

async function failure(promise: Promise<unknown>): Promise<AccordError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AccordError);
  return error as AccordError;
}

describe('dispatcher', () => {
  it('runs a method with parsed input (defaults applied)', async () => {
    expect(await dispatcher.unary(call('echo', { text: 'ab' }))).toEqual({ text: 'ab' });
    expect(await dispatcher.unary(call('echo', { text: 'ab', times: 2 }))).toEqual({ text: 'abab' });
  });

  it('answers unknown services, versions and methods with UNIMPLEMENTED', async () => {
    expect((await failure(dispatcher.unary(call('echo', {}, {}, 'nope')))).code).toBe('UNIMPLEMENTED');
    expect((await failure(dispatcher.unary({ ...call('echo', {}), version: 9 }))).message).toMatch(/no version 9/);
    expect((await failure(dispatcher.unary(call('toString', {})))).code).toBe('UNIMPLEMENTED');
  });

  it('reports every invalid field with its path', async () => {
    const error = await failure(dispatcher.unary(call('echo', { text: 5, times: 0 })));
    expect(error.code).toBe('INVALID_ARGUMENT');
    const issues = (error.data as { issues: Array<{ path: string }> }).issues.map((i) => i.path).sort();
    expect(issues).toEqual(['text', 'times']);
  });

  it('refuses a stream method called as unary', async () => {
    expect((await failure(dispatcher.unary(call('count', { to: 1 })))).code).toBe('INVALID_ARGUMENT');
  });

  it('tells missing and refused credentials (UNAUTHENTICATED) from missing scopes (PERMISSION_DENIED)', async () => {
    expect((await failure(dispatcher.unary(call('secret', {})))).code).toBe('UNAUTHENTICATED');
    expect((await failure(dispatcher.unary(call('secret', {}, { headers: { authorization: 'Bearer wrong' } })))).code).toBe('UNAUTHENTICATED');
    expect((await failure(dispatcher.unary(call('secret', {}, { headers: { authorization: 'Bearer guest' } })))).code).toBe('PERMISSION_DENIED');
    expect(await dispatcher.unary(call('secret', {}, { headers: { authorization: 'Bearer root' } }))).toEqual({ subject: 'root' });
    expect(await dispatcher.unary(call('secret', {}, { headers: { 'x-api-key': 'root' } }))).toEqual({ subject: 'root' });
  });

  it('identifies callers on methods without an auth requirement, without refusing anyone', async () => {
    expect(await dispatcher.unary(call('whoami', {}, { headers: { authorization: 'Bearer guest' } }))).toEqual({ subject: 'guest' });
    expect(await dispatcher.unary(call('whoami', {}, { headers: { authorization: 'Bearer wrong' } }))).toEqual({});
  });

  it('aborts ctx.signal and fails with DEADLINE_EXCEEDED at the caller deadline', async () => {
    const before = state.slowAborted.length;
    const error = await failure(dispatcher.unary(call('slow', { ms: 5_000 }, { deadline: Date.now() + 40 })));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    expect(state.slowAborted.length).toBe(before + 1);
  });

  it('enforces the method timeout even when the handler ignores the abort', async () => {
    const started = Date.now();
    expect((await failure(dispatcher.unary(call('stubborn', {})))).code).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(280);
  });

  it('fails at once when the deadline has already passed', async () => {
    expect((await failure(dispatcher.unary(call('echo', { text: 'x' }, { deadline: Date.now() - 1 })))).code).toBe('DEADLINE_EXCEEDED');
  });

  it('cancels through a CallScope and through an AbortSignal', async () => {
    const scope = new CallScope();
    setTimeout(() => scope.abort(new AccordError('CANCELLED', 'client went away')), 20);
    expect((await failure(dispatcher.unary(call('slow', { ms: 5_000 }), scope))).code).toBe('CANCELLED');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect((await failure(dispatcher.unary(call('slow', { ms: 5_000 }), controller.signal))).code).toBe('CANCELLED');
  });

  it('hides unexpected errors as INTERNAL and logs them', async () => {
    const error = await failure(dispatcher.unary(call('crash', {})));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).not.toMatch(/password/);
    expect(((logged.at(-1) as { err: Error }).err).message).toMatch(/password/);
  });

  it('keeps declared errors with their data, and turns undeclared codes into INTERNAL', async () => {
    const typed = await failure(dispatcher.unary(call('typed', {})));
    expect([typed.code, typed.data]).toEqual(['TEAPOT', { brew: 'earl grey' }]);
    expect((await failure(dispatcher.unary(call('undeclared', {})))).code).toBe('INTERNAL');
  });

  it('checks the data of declared errors against the contract, like output', async () => {
    expect((await failure(dispatcher.unary(call('typedWrongData', {})))).code).toBe('INTERNAL');
  });

  it('checks output against the contract', async () => {
    expect((await failure(dispatcher.unary(call('wrongOutput', {})))).code).toBe('INTERNAL');
  });

  it('passes metadata and an incremented hop count to nested calls, and stops loops', async () => {
    expect(await dispatcher.unary(call('recurse', { depth: 2 }, { traceparent: '00-abc-def-01' }))).toEqual({ depth: 0 });
    expect(state.lastMeta).toMatchObject({ hops: 2, traceparent: '00-abc-def-01' });
    expect((await failure(dispatcher.unary(call('recurse', { depth: 10 })))).code).toBe('LOOP_DETECTED');
  });

  it('streams items and stops the generator when the consumer leaves early', async () => {
    const items: number[] = [];
    const closedBefore = state.streamClosed;
    for await (const item of dispatcher.stream(call('count', { to: 1_000 }))) {
      items.push((item as { n: number }).n);
      if (items.length === 3) break;
    }
    expect(items).toEqual([1, 2, 3]);
    await new Promise((r) => setImmediate(r));
    expect(state.streamClosed).toBe(closedBefore + 1);
  });

  it('validates and delivers events emitted by handlers', async () => {
    const seen: unknown[] = [];
    const off = dispatcher.events.subscribe('probe', 1, 'shouted', (data) => seen.push(data));
    await dispatcher.unary(call('shout', { text: 'hi' }));
    off();
    await dispatcher.unary(call('shout', { text: 'again' }));
    expect(seen).toEqual([{ text: 'HI' }]);
    expect(() => dispatcher.emit('probe', 1, 'shouted', { text: 1 })).toThrow(/text/);
  });

  it('runs guards after validation and lets them refuse', async () => {
    const guarded = new Dispatcher({
      services: [bound],
      guards: [({ methodName }) => {
        if (methodName === 'echo') throw new AccordError('PERMISSION_DENIED', 'echo is closed today');
      }],
    });
    expect((await failure(guarded.unary(call('echo', { text: 'x' })))).code).toBe('PERMISSION_DENIED');
    expect(await guarded.unary(call('whoami', {}))).toEqual({});
  });

  it('bounds a slow authenticate hook and slow guards by the deadline and by cancellation', async () => {
    const never = new Promise<never>(() => undefined);
    const stuck = new Dispatcher({ services: [bound], authenticate: () => never });
    const started = Date.now();
    const timedOut = await failure(stuck.unary(call('whoami', {}, { deadline: Date.now() + 50, headers: { authorization: 'Bearer x' } })));
    expect(timedOut.code).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(1_000);

    const guarded = new Dispatcher({ services: [bound], guards: [() => never] });
    const scope = new CallScope();
    setTimeout(() => scope.abort(new AccordError('CANCELLED', 'gone')), 20);
    expect((await failure(guarded.unary(call('echo', { text: 'x' }), scope))).code).toBe('CANCELLED');
  });

  it('runs middleware around unary handlers, outermost first', async () => {
    const order: string[] = [];
    const wrapped = new Dispatcher({
      services: [bound],
      middleware: [
        async (c, next) => { order.push(`outer:${c.methodName}`); const out = await next(); order.push('outer:after'); return out; },
        async (_c, next) => { order.push('inner'); const out = (await next()) as { text: string }; return { text: `${out.text}!` }; },
      ],
    });
    expect(await wrapped.unary(call('echo', { text: 'hi' }))).toEqual({ text: 'hi!' });
    expect(order).toEqual(['outer:echo', 'inner', 'outer:after']);
  });
});
