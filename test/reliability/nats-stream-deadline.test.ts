/**
 * NATS streams whose caller never grants more credit and asked for no heartbeats (fuzz finding N1):
 * nothing then tells the server the caller is gone, and such a stream held a `maxInFlight` slot for
 * ever, so a few of them took the process's NATS side down. A stream paused for credit now ends at
 * its deadline with DEADLINE_EXCEEDED (core StreamSender, as for WebSocket and the mesh). The server
 * runs in its own process, on a real nats-server; requests are published raw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Msg } from '@nats-io/transport-node';
import { decodeErrorBody } from './support/clear-errors.js';
import { eventually } from './support/connection-flood.js';
import { NatsTarget } from './support/nats-target.js';

const MAX_IN_FLIGHT = 20;
/** The server's deadline for calls that name none. */
const DEFAULT_TIMEOUT_MS = 1_000;

describe('NATS streams paused for credit', () => {
  let t: NatsTarget;
  beforeAll(async () => {
    t = await NatsTarget.start({ maxInFlight: MAX_IN_FLIGHT, defaultTimeoutMs: DEFAULT_TIMEOUT_MS });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** A long probe.count with one credit, no heartbeats, and never more credit. */
  const stingyStream = (headers: Record<string, string> = {}) => t.stingyStream({ 'accord-stream': '1', ...headers });
  const errorOf = (msg: Msg) => decodeErrorBody(undefined, msg.data);

  it('ends such a stream at the deadline its caller gave, with DEADLINE_EXCEEDED after the item it had credit for', async () => {
    const replies = stingyStream({ 'accord-timeout': '400' });
    expect(await eventually(() => replies.length === 2, 3_000)).toBe(true);
    const [item, last] = replies;
    expect(item!.headers?.get('accord-frame')).toBe('item');
    expect(last!.headers?.get('Nats-Service-Error-Code')).toBe('504');
    expect(errorOf(last!)).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(await eventually(async () => (await t.target.stats()).natsInFlight === 0, 1_000)).toBe(true);
  }, 10_000);

  it(`frees the slots of ${MAX_IN_FLIGHT} such streams naming no deadline at the server's default one, so calls are served again`, async () => {
    const streams = Array.from({ length: MAX_IN_FLIGHT }, () => stingyStream());
    expect(await eventually(async () => (await t.target.stats()).natsInFlight === MAX_IN_FLIGHT, 3_000)).toBe(true);
    const refused = await t.nc.request('accord.math.v1.add', JSON.stringify({ a: 1, b: 2 }), { timeout: 3_000 });
    expect(errorOf(refused)).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(await eventually(async () => (await t.target.stats()).natsInFlight === 0, DEFAULT_TIMEOUT_MS + 2_000)).toBe(true);
    expect(streams.map((replies) => errorOf(replies.at(-1)!))).toEqual(streams.map(() => expect.objectContaining({ code: 'DEADLINE_EXCEEDED' })));
    await t.clients.check();
    expect(t.target.problem()).toBeUndefined();
  }, 15_000);
});
