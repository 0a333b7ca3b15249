/**
 * The mesh's gauges on /metrics, scraped from a real server: `a` (HTTP and the mesh, metrics on)
 * serves `echo`; `b` (the mesh only) serves `ops`, so a call to `ops` on a's HTTP port goes
 * through the mesh to b.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AccordServer } from 'accord-rpc/server';
import { echoService } from './fixtures/echo-handlers.js';
import { ops } from './fixtures/ops-contract.js';
import { parsePrometheusText, valueOf } from './support/prometheus-text.js';

const KEY = 'mesh-metrics-test-key-0123456789';
let a: AccordServer;
let b: AccordServer;

async function gauge(name: string): Promise<number> {
  const text = await fetch(`${a.urls.http}/metrics`).then((r) => r.text());
  return valueOf(parsePrometheusText(text), name, name, {});
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  a = await createServer({ services: [echoService], transports: { http: { port: 0, host: '127.0.0.1' }, mesh: { port: 0, key: KEY } }, pool: false, logLevel: 'silent', nodeId: 'metrics-a' });
  await a.start();
  const seed = a.urls.mesh!.replace(/^mesh:\/\//, '');
  b = await createServer({ services: ['test/observability/fixtures/ops-handlers.ts'], transports: { mesh: { port: 0, key: KEY, seeds: [seed] } }, pool: { threads: 1 }, metrics: false, logLevel: 'silent', nodeId: 'metrics-b' });
  await b.start();
}, 30_000);

afterAll(async () => {
  await b?.stop({ graceMs: 100 });
  await a?.stop({ graceMs: 100 });
});

describe('mesh gauges on /metrics', () => {
  it('count the links up, the other nodes known, the methods they serve, and a routed call while it waits for its answer (0 again after it)', async () => {
    await until(async () => (await gauge('accord_mesh_links')) === 1 && (await gauge('accord_mesh_nodes')) === 1, 10_000, 'a link to b and its record');
    expect(await gauge('accord_mesh_routes')).toBe(Object.keys(ops.methods).length); // every method of ops.v1, served by b
    expect(await gauge('accord_mesh_routed_calls_pending')).toBe(0);

    const call = fetch(`${a.urls.http}/rpc/ops/v1/slowInline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 1_500 }) });
    await until(async () => (await gauge('accord_mesh_routed_calls_pending')) === 1, 1_400, 'the routed call to be pending');
    const response = await call;
    expect(response.status).toBe(200);
    expect(await gauge('accord_mesh_routed_calls_pending')).toBe(0);

    await b.stop({ graceMs: 100 });
    await until(async () => (await gauge('accord_mesh_links')) === 0, 10_000, 'the link to b to go');
    expect(await gauge('accord_mesh_nodes')).toBe(0); // b said it was leaving
    expect(await gauge('accord_mesh_routes')).toBe(0);
  }, 30_000);
});
