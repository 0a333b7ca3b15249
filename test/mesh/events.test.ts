/**
 * Events across the mesh: an event emitted on any node reaches every subscriber on every node
 * exactly once (WebSocket clients of another node and meshClients included), also where nodes
 * are not directly linked and copies go through a forwarding node, and never loops back.
 *
 * Topology, a tree (no node dials what gossip tells it): e1 and e2 serve probe and link only to
 * `hub`; client c1 dials hub, c2 dials e2; e2 also serves WebSocket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshClientTransport } from 'accord-rpc/mesh';
import { wsClient, wsTransport, type WsClientTransport, type WsServerTransport } from 'accord-rpc/ws';
import { sleep, startClient, startNode, until, type TestNode } from './harness.js';
import { probeHandlers } from './fixtures/probe-service.js';

type Ping = { n: number; from: string };

describe('mesh events', () => {
  let e1: TestNode, e2: TestNode, hub: TestNode;
  let c1: MeshClientTransport, c2: MeshClientTransport;
  let ws: WsServerTransport, browser: WsClientTransport;
  const seen: Record<string, Ping[]> = { e1: [], e2: [], hub: [], c1: [], c2: [], ws: [] };
  const record = (who: string) => (data: unknown) => seen[who]!.push(data as Ping);

  beforeAll(async () => {
    hub = await startNode('hub', []);
    e1 = await startNode('e1', [probeHandlers('e1')], { seeds: [hub.addr], dialDiscovered: false });
    e2 = await startNode('e2', [probeHandlers('e2')], { seeds: [hub.addr], dialDiscovered: false });
    ws = wsTransport({ port: 0 });
    await ws.start(e2.dispatcher);
    c1 = startClient([hub.addr], { nodeId: 'c1', dialDiscovered: false });
    c2 = startClient([e2.addr], { nodeId: 'c2', dialDiscovered: false });
    await c1.ready('probe', 1);
    await c2.ready('probe', 1);
    await until(() => Object.keys(c2.status().reachable).length === 4 && Object.keys(c1.status().reachable).length === 4, 5_000, 'every node reaches every other');
    for (const [name, node] of [['e1', e1], ['e2', e2], ['hub', hub]] as const) node.dispatcher.events.subscribe('probe', 1, 'pinged', record(name));
    c1.subscribe({ service: 'probe', version: 1, event: 'pinged' }, record('c1'));
    c2.subscribe({ service: 'probe', version: 1, event: 'pinged' }, record('c2'));
    browser = wsClient({ url: ws.url!, codec: 'msgpack' });
    browser.subscribe({ service: 'probe', version: 1, event: 'pinged' }, record('ws'));
    await browser.ready();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([c1?.close(), c2?.close()]);
    await ws?.stop({ graceMs: 100 });
    await Promise.all([e1, e2, hub].map((n) => n?.stop()));
  });

  it('delivers each event once to every subscriber on every node, wherever it was emitted, and nothing loops', async () => {
    const count = 20;
    for (let n = 0; n < count; n++) await c1.unary({ service: 'probe', version: 1, method: 'ping', input: { n }, metadata: {}, idempotent: false });
    await until(() => Object.values(seen).every((list) => list.length >= count), 5_000, 'every subscriber saw every event');
    await sleep(300); // copies still travelling would show up now
    for (const [who, list] of Object.entries(seen)) {
      expect(list.map((p) => p.n).sort((x, y) => x - y), who).toEqual(Array.from({ length: count }, (_, n) => n));
    }
    // Both serving nodes emitted some (least-in-flight spreads the pings), through the hub either way.
    expect(new Set(seen.c2!.map((p) => p.from))).toEqual(new Set(['e1', 'e2']));
    expect(hub.transport.status().events.received).toBe(count);
  });

  it('passes a copy through a forwarding node only once per link: the hub relays, clients never do', async () => {
    const before = { hub: hub.transport.status().events.sent, c1: c1.status().events.sent };
    await c1.unary({ service: 'probe', version: 1, method: 'ping', input: { n: 100 }, metadata: {}, idempotent: false, visited: ['e2'] });
    await until(() => seen.c1!.some((p) => p.n === 100) && seen.ws!.some((p) => p.n === 100));
    // Emitted on e1 (e2 was excluded): the hub sends one copy to e2 (which passes it to c2) and one to c1.
    expect(hub.transport.status().events.sent - before.hub).toBe(2);
    expect(c1.status().events.sent).toBe(before.c1);
  });
});
