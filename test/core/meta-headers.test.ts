/** Call metadata as headers (HTTP, NATS): the one parser servers use and the one writer clients use agree. */
import { describe, expect, it } from 'vitest';
import { metaFromHeaders, writeMetaHeaders, type OutgoingCall } from 'accord-rpc/core';

const call: OutgoingCall = {
  service: 'math', version: 1, method: 'add', input: {}, metadata: {}, idempotent: false,
  deadline: 1_000_500, hops: 3, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', visited: ['node-a', 'node-b'],
};

describe('metadata headers', () => {
  it('round-trips deadline, hops, trace context and the visited list', () => {
    const headers: Record<string, string> = {};
    writeMetaHeaders(call, headers, 1_000_000);
    expect(headers).toEqual({ 'accord-timeout': '500', 'accord-hops': '3', traceparent: call.traceparent, 'accord-visited': 'node-a,node-b' });
    const meta = metaFromHeaders(headers, 2_000_000);
    expect(meta).toMatchObject({ deadline: 2_000_500, hops: 3, traceparent: call.traceparent, visited: ['node-a', 'node-b'] });
    expect(meta.headers).toBe(headers);
  });

  it('writes nothing for a fresh call without a deadline', () => {
    const headers: Record<string, string> = {};
    writeMetaHeaders({ ...call, deadline: undefined, hops: undefined, traceparent: undefined, visited: undefined }, headers);
    expect(headers).toEqual({});
    expect(metaFromHeaders(headers)).toEqual({ deadline: undefined, traceparent: undefined, hops: 0, headers });
  });

  it.each([
    ['accord-timeout', 'soon'],
    ['accord-timeout', '-1'],
    ['accord-hops', '1.5'],
    ['accord-hops', ''],
    ['accord-visited', 'a,b c'],
    ['accord-visited', Array.from({ length: 65 }, (_, i) => `n${i}`).join(',')],
  ])('refuses a malformed %s header (%s) with PROTOCOL_ERROR naming it', (name, value) => {
    expect(() => metaFromHeaders({ [name]: value })).toThrow(expect.objectContaining({ code: 'PROTOCOL_ERROR', message: expect.stringContaining(name) }));
  });
});
