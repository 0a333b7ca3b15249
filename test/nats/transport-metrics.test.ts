/**
 * The NATS transport's metrics, on a server in this process against a real nats-server: the
 * connection gauge follows the connection (down while nats-server is killed, up after its restart,
 * one reconnect counted), message counters move with calls, and everything is removed on stop.
 */
import { afterAll, expect, test } from 'vitest';
import { natsClient } from 'accord-rpc/nats';
import { createServer, type AccordServer } from 'accord-rpc/server';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { countingMath } from './fixtures/counting-math.js';
import { waitFor } from './processes.js';
import { metricValue } from './task-processes.js';

let nats: NatsServer | undefined;
let server: AccordServer | undefined;
afterAll(async () => {
  await server?.stop({ graceMs: 0 });
  await nats?.stop();
});

test('accord_nats_* gauges and counters follow the connection and the calls, and are removed on stop', async () => {
  nats = await startNatsServer();
  server = await createServer({
    services: [countingMath],
    transports: { nats: { servers: nats.url, reconnectTimeWait: 100, reconnectJitter: 0 } },
    pool: false,
    metrics: { defaultMetrics: false, port: 0 },
    logLevel: 'silent',
  });
  await server.start();
  const metrics = server.metrics!;
  const scrape = () => metrics.text();

  let text = await scrape();
  expect(metricValue(text, 'accord_nats_connected')).toBe(1);
  expect(metricValue(text, 'accord_nats_call_subscriptions')).toBeGreaterThanOrEqual(3);
  expect(metricValue(text, 'accord_nats_reconnects_total')).toBe(0);
  const before = metricValue(text, 'accord_nats_messages_total', { direction: 'in' });

  const client = natsClient({ servers: nats.url });
  try {
    await client.unary({ service: 'math', version: 1, method: 'add', input: { a: 1, b: 2 }, metadata: {}, idempotent: true });
  } finally {
    await client.close();
  }
  text = await scrape();
  expect(metricValue(text, 'accord_nats_messages_total', { direction: 'in' })).toBeGreaterThan(before);
  expect(metricValue(text, 'accord_nats_calls_in_flight')).toBe(0);
  expect(metricValue(text, 'accord_nats_routed_calls_pending')).toBe(0);

  await nats.kill();
  await waitForMetric(scrape, 'accord_nats_connected', 0);
  await nats.restart();
  await waitForMetric(scrape, 'accord_nats_connected', 1);
  expect(metricValue(await scrape(), 'accord_nats_reconnects_total')).toBe(1);

  await server.stop({ graceMs: 0 });
  expect(await scrape()).not.toContain('accord_nats_');
}, 30_000);

async function waitForMetric(scrape: () => Promise<string>, name: string, value: number): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const current = metricValue(await scrape(), name);
    if (current === value) return;
    if (Date.now() > until) throw new Error(`${name} stayed ${current}, expected ${value}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
