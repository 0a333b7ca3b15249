/**
 * Events across processes over NATS: two servers (each its own NATS connection, dispatcher and
 * WebSocket port), NATS clients, WebSocket clients of each server and in-process listeners.
 * An event emitted in either process (from outside a handler, or by a handler's ctx.emit) reaches
 * every subscription of every kind exactly once, and nothing loops back: one NATS message per emit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Dispatcher } from 'accord-rpc/core';
import { natsClient, natsTransport, type NatsClientTransport, type NatsServerTransport } from 'accord-rpc/nats';
import { wsClient, wsTransport, type WsClientTransport, type WsServerTransport } from 'accord-rpc/ws';
import { TickerV1Client } from '../../generated/ticker/client.js';
import { createTickerService } from '../../examples/handlers/ticker.js';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';

interface Alert { symbol: string; price: number; threshold: number; direction: 'up' | 'down' }

interface Process {
  dispatcher: Dispatcher;
  nats: NatsServerTransport;
  ws: WsServerTransport;
  /** Events as the local bus saw them (with their origin). */
  tapped: Array<{ symbol: string; origin: string | undefined }>;
}

let natsServer: NatsServer;
const processes: Process[] = [];
const clients: Array<NatsClientTransport | WsClientTransport> = [];
let wire: NatsConnection;
const onTheWire: string[] = [];
/** Received alerts by subscriber name. */
const received = new Map<string, string[]>();

function record(name: string) {
  received.set(name, []);
  return (alert: Alert) => received.get(name)!.push(alert.symbol);
}

async function startProcess(nodeId: string): Promise<Process> {
  const dispatcher = new Dispatcher({ services: [createTickerService()], nodeId });
  const nats = natsTransport({ servers: natsServer.url });
  await nats.start(dispatcher);
  const ws = wsTransport({ port: 0 });
  await ws.start(dispatcher);
  const tapped: Process['tapped'] = [];
  dispatcher.events.tap((event) => tapped.push({ symbol: (event.data as Alert).symbol, origin: event.origin }));
  return { dispatcher, nats, ws, tapped };
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
}

beforeAll(async () => {
  natsServer = await startNatsServer();
  processes.push(await startProcess('events-a'), await startProcess('events-b'));
  wire = await connect({ servers: natsServer.url });
  wire.subscribe('accord.ticker.v1.event.alert', { callback: (_e, msg) => void onTheWire.push(msg.json<Alert>().symbol) });
  for (const name of ['nats client 1', 'nats client 2']) {
    const client = natsClient({ servers: natsServer.url });
    clients.push(client);
    new TickerV1Client(client).on('alert', record(name));
    await client.connect();
    await client.connection!.flush();
  }
  for (const [i, process] of processes.entries()) {
    const client = wsClient({ url: process.ws.url! });
    clients.push(client);
    new TickerV1Client(client).on('alert', record(`ws client of ${i === 0 ? 'a' : 'b'}`));
    await client.ready();
    process.dispatcher.events.subscribe('ticker', 1, 'alert', record(`listener in ${i === 0 ? 'a' : 'b'}`) as (data: unknown) => void);
  }
  await wire.flush();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await wire?.close();
  for (const p of processes) {
    await p.ws.stop({ graceMs: 100 });
    await p.nats.stop({ graceMs: 100 });
  }
  await natsServer?.stop();
});

describe('events over NATS', () => {
  it('an event emitted in one process reaches every subscription of every process exactly once', async () => {
    processes[0].dispatcher.emit('ticker', 1, 'alert', { symbol: 'AAA', price: 11, threshold: 10, direction: 'up' });
    processes[1].dispatcher.emit('ticker', 1, 'alert', { symbol: 'BBB', price: 9, threshold: 10, direction: 'down' });
    await settle();
    expect([...received.keys()]).toHaveLength(6);
    for (const [name, symbols] of received) expect(symbols.sort(), name).toEqual(['AAA', 'BBB']);
    expect(onTheWire.sort()).toEqual(['AAA', 'BBB']);
  });

  it('an event from a handler (ctx.emit in ticker.publish, called over NATS) arrives once everywhere, and never loops back', async () => {
    for (const symbols of received.values()) symbols.length = 0;
    onTheWire.length = 0;
    for (const p of processes) p.tapped.length = 0;
    const ticker = new TickerV1Client(clients[0] as NatsClientTransport);
    expect(await ticker.publish({ symbol: 'CCC', price: 20, threshold: 15 })).toEqual({ alerted: true });
    await settle();
    for (const [name, symbols] of received) expect(symbols, name).toEqual(['CCC']);
    expect(onTheWire).toEqual(['CCC']);
    // Each bus saw it once: from the handler in the process that ran it, relayed from NATS in the other.
    const origins = processes.map((p) => p.tapped.map((t) => t.origin ?? 'local'));
    expect(origins.flat().sort()).toEqual(['local', 'nats']);
  });

  it('an event on the wire that fails the contract is dropped by the servers: their listeners and WebSocket clients never see it', async () => {
    for (const symbols of received.values()) symbols.length = 0;
    wire.publish('accord.ticker.v1.event.alert', JSON.stringify({ symbol: 'BAD', price: 'high' }));
    await settle();
    for (const name of ['listener in a', 'listener in b', 'ws client of a', 'ws client of b']) expect(received.get(name), name).toEqual([]);
  });
});
