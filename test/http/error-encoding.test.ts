/** Error data a handler supplies may not encode (a BigInt): the caller still gets an answer, and the server serves on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { service, stream, unary } from 'accord-rpc/contract';
import { AccordError, bindService, Dispatcher } from 'accord-rpc/core';
import { httpTransport, type HttpTransport } from 'accord-rpc/http';
import { call, json } from './harness.js';

const odd = service({
  name: 'odd',
  version: 1,
  methods: {
    fail: unary({ input: z.object({}), output: z.object({}), errors: { ODD: { status: 409, data: z.object({ n: z.number() }) } }, runs: 'inline' }),
    failLater: stream({ input: z.object({}), output: z.object({ n: z.number() }), errors: { ODD: { status: 409, data: z.object({ n: z.number() }) } }, runs: 'inline' }),
    ok: unary({ input: z.object({}), output: z.object({ ok: z.boolean() }), runs: 'inline' }),
  },
});

const handlers = bindService(odd, {
  fail: () => {
    throw new AccordError('ODD', 'odd data', { n: 10n });
  },
  failLater: async function* () {
    yield { n: 1 };
    throw new AccordError('ODD', 'odd data', { n: 10n });
  },
  ok: () => ({ ok: true }),
});

describe('errors whose data cannot be encoded', () => {
  let transport: HttpTransport;
  beforeAll(async () => {
    // validateOutput off: the contract check would otherwise catch the BigInt before encoding.
    transport = httpTransport({ port: 0, docs: false });
    await transport.start(new Dispatcher({ services: [handlers], validateOutput: false }));
  });
  afterAll(() => transport.stop({ graceMs: 50 }));

  it('answers 500 INTERNAL for a unary call, and keeps serving', async () => {
    expect(await call(`${transport.url}/rpc/odd/fail`, json({}))).toMatchObject({ status: 500, body: { code: 'INTERNAL' } });
    expect(await call(`${transport.url}/rpc/odd/ok`, json({}))).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('ends a stream with an INTERNAL error event', async () => {
    const { status, body } = await call(`${transport.url}/rpc/odd/failLater`, json({}));
    expect(status).toBe(200);
    expect(body).toContain('event: item');
    expect(body).toMatch(/event: error\ndata: \{"code":"INTERNAL"/);
  });

  it('a POST to an unknown /rpc path is UNIMPLEMENTED, like every transport says', async () => {
    expect(await call(`${transport.url}/rpc/odd/v1/nope/extra`, json({}))).toMatchObject({ status: 501, body: { code: 'UNIMPLEMENTED' } });
    expect(await call(`${transport.url}/rpc/odd/version1/ok`, json({}))).toMatchObject({ status: 501, body: { code: 'UNIMPLEMENTED' } });
  });
});
