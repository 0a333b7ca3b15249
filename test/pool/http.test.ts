/** Pool methods over the real HTTP transport: unary, a typed error, a stream (SSE), a worker crash, cancellation by deadline. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AccordError } from 'accord-rpc/core';
import type { OutgoingCall } from 'accord-rpc/client';
import { httpClient, httpTransport, type HttpTransport } from 'accord-rpc/http';
import { rejection, startPool, type Harness } from './helpers.js';

let h: Harness;
let transport: HttpTransport;
const client = () => httpClient({ url: transport.url });
const call = (method: string, input: unknown, extra: Partial<OutgoingCall> = {}): OutgoingCall =>
  ({ service: 'poolTest', version: 1, method, input, metadata: {}, idempotent: false, ...extra });

beforeAll(async () => {
  h = await startPool({ threads: 2 });
  transport = httpTransport({ host: '127.0.0.1', port: 0, docs: false });
  await transport.start(h.dispatcher);
});

afterAll(async () => {
  await transport?.stop({ graceMs: 200 });
  await h?.close();
});

describe('pool methods over HTTP', () => {
  test('unary calls and typed errors', async () => {
    expect(await client().unary(call('add', { a: 40, b: 2 }))).toEqual({ sum: 42 });
    const error = await rejection(client().unary(call('fail', { kind: 'declared' })));
    expect([error.code, error.data]).toEqual(['TOO_BIG', { limit: 10 }]);
  });

  test('many calls at once spread over the workers', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => client().unary(call('add', { a: i, b: 1 }))));
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => ({ sum: i + 1 })));
  });

  test('a stream from a worker', async () => {
    const items: number[] = [];
    for await (const item of client().stream(call('count', { n: 50, tag: 'http' }))) items.push((item as { i: number }).i);
    expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  test('a worker crash is UNAVAILABLE for the caller, and the next call works', async () => {
    const error = await rejection(client().unary(call('exit', { code: 9 })));
    expect(error).toBeInstanceOf(AccordError);
    expect(error.code).toBe('UNAVAILABLE');
    expect(await client().unary(call('add', { a: 1, b: 1 }))).toEqual({ sum: 2 });
  });

  test('the caller deadline reaches the worker', async () => {
    const error = await rejection(client().unary(call('sleep', { ms: 5_000, tag: 'http-deadline' }, { deadline: Date.now() + 200 })));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
  });
});
