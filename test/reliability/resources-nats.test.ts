/**
 * Resource attacks on the NATS transport (a server in its own process, a real nats-server, both
 * stopped by PID): stream consumers that never grant credit, with and without heartbeats, and more
 * calls at once than the server takes. Requests are published raw, from a plain NATS connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeErrorBody } from './support/clear-errors.js';
import { eventually } from './support/connection-flood.js';
import { NatsTarget } from './support/nats-target.js';
import { growth, MiB } from './support/target.js';

const MAX_IN_FLIGHT = 200;

describe('NATS resource limits', () => {
  let t: NatsTarget;
  beforeAll(async () => {
    t = await NatsTarget.start({ maxInFlight: MAX_IN_FLIGHT });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** Starts `n` streams whose consumer takes what comes and never grants more credit; returns their replies as they come. */
  const streams = (n: number, headers: Record<string, string>) => Array.from({ length: n }, () => t.stingyStream(headers));

  it('sends a silent consumer no more than its credit, and stops its streams after the heartbeats it asked for go unanswered', async () => {
    const before = await t.target.memory();
    const producedBefore = (await t.target.stats()).produced;
    const replies = streams(100, { 'accord-stream': '2', 'accord-heartbeat': '200' });
    expect(await eventually(() => replies.flat().filter((m) => m.headers?.get('accord-frame') === 'item').length === 200, 5_000)).toBe(true);
    const during = await t.target.memory();
    // Three silent heartbeat intervals (600 ms) and the server gives up on the consumer.
    expect(await eventually(async () => (await t.target.stats()).natsInFlight === 0, 3_000)).toBe(true);
    const produced = (await t.target.stats()).produced - producedBefore;
    console.log(`nats 100 streams without credit: ${produced} items produced; growth ${JSON.stringify(growth(before, during))} MiB`);
    expect(produced).toBeLessThanOrEqual(100 * 3);
    expect(during.heapUsed - before.heapUsed).toBeLessThan(16 * MiB);
    await t.clients.check();
  }, 20_000);

  it(`answers calls past maxInFlight with RESOURCE_EXHAUSTED, and serves again once the slots free`, async () => {
    // Streams whose consumer went silent hold their slots until their missed heartbeats free them.
    streams(MAX_IN_FLIGHT, { 'accord-stream': '1', 'accord-heartbeat': '500' });
    expect(await eventually(async () => (await t.target.stats()).natsInFlight === MAX_IN_FLIGHT, 5_000)).toBe(true);
    const refused = await t.nc.request('accord.math.v1.add', JSON.stringify({ a: 1, b: 2 }), { timeout: 3_000 });
    expect(refused.headers?.get('Nats-Service-Error-Code')).toBe('429');
    expect(decodeErrorBody(undefined, refused.data)).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(await eventually(async () => (await t.target.stats()).natsInFlight === 0, 5_000)).toBe(true);
    await t.clients.check();
  }, 20_000);
});
