/**
 * Resource attacks on the NATS transport (a server in its own process, a real nats-server, both
 * stopped by PID): stream consumers that never grant credit, with and without heartbeats, and more
 * calls at once than the server takes. Requests are published raw, from a plain NATS connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { decodeErrorBody } from './support/clear-errors.js';
import { eventually } from './support/connection-flood.js';
import { rawHeaders } from './support/nats-cases.js';
import { growth, MiB, Target } from './support/target.js';
import { WellBehavedClients } from './support/well-behaved.js';

const MAX_IN_FLIGHT = 200;

describe('NATS resource limits', () => {
  let nats: NatsServer;
  let target: Target;
  let clients: WellBehavedClients;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await startNatsServer();
    target = await Target.start({ nats: { servers: nats.url, maxInFlight: MAX_IN_FLIGHT, discoveryWaitMs: 50 } });
    clients = new WellBehavedClients(target, ['nats'], { nats: { url: nats.url } });
    nc = await connect({ servers: nats.url });
    await clients.check();
  });
  afterAll(async () => {
    await nc?.close();
    await clients?.close();
    await target?.stop();
    await nats?.stop();
  });

  /** Starts `n` streams of probe.count whose consumer takes what comes and never grants more credit; returns the replies. */
  function streams(n: number, headers: Record<string, string>): Msg[] {
    const replies: Msg[] = [];
    for (let i = 0; i < n; i++) {
      const inbox = createInbox();
      nc.subscribe(inbox, {
        callback: (_error, msg) => {
          replies.push(msg);
        },
      });
      nc.publish('accord.probe.v1.count', JSON.stringify({ count: 1_000_000 }), { reply: inbox, headers: rawHeaders(headers) });
    }
    return replies;
  }

  it('sends a silent consumer no more than its credit, and stops its streams after the heartbeats it asked for go unanswered', async () => {
    const before = await target.memory();
    const producedBefore = (await target.stats()).produced;
    const replies = streams(100, { 'accord-stream': '2', 'accord-heartbeat': '200' });
    expect(await eventually(() => replies.filter((m) => m.headers?.get('accord-frame') === 'item').length === 200, 5_000)).toBe(true);
    const during = await target.memory();
    // Three silent heartbeat intervals (600 ms) and the server gives up on the consumer.
    expect(await eventually(async () => (await target.stats()).natsInFlight === 0, 3_000)).toBe(true);
    const produced = (await target.stats()).produced - producedBefore;
    console.log(`nats 100 streams without credit: ${produced} items produced; growth ${JSON.stringify(growth(before, during))} MiB`);
    expect(produced).toBeLessThanOrEqual(100 * 3);
    expect(during.heapUsed - before.heapUsed).toBeLessThan(16 * MiB);
    await clients.check();
  }, 20_000);

  it(`answers calls past maxInFlight with RESOURCE_EXHAUSTED, and serves again once the slots free`, async () => {
    // Streams whose consumer went silent hold their slots until their missed heartbeats free them.
    streams(MAX_IN_FLIGHT, { 'accord-stream': '1', 'accord-heartbeat': '500' });
    expect(await eventually(async () => (await target.stats()).natsInFlight === MAX_IN_FLIGHT, 5_000)).toBe(true);
    const refused = await nc.request('accord.math.v1.add', JSON.stringify({ a: 1, b: 2 }), { timeout: 3_000 });
    expect(refused.headers?.get('Nats-Service-Error-Code')).toBe('429');
    expect(decodeErrorBody(undefined, refused.data)).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(await eventually(async () => (await target.stats()).natsInFlight === 0, 5_000)).toBe(true);
    await clients.check();
  }, 20_000);
});
