/**
 * The ledger (ledger.ts) served over HTTP and WebSocket on 127.0.0.1, each server behind a TCP
 * proxy of its own (tcp-proxy.ts), for tests that lose replies, cut connections or take a server down.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ClientTransport } from 'accord-rpc/client';
import { httpTransport, type HttpTransport } from 'accord-rpc/http';
import { wsTransport, type WsServerTransport } from 'accord-rpc/ws';
import type { Dispatcher } from 'accord-rpc/core';
import { Ledger } from './ledger.js';
import { TcpProxy } from './tcp-proxy.js';

export interface ProxiedLedger {
  dispatcher: Dispatcher;
  httpProxy: TcpProxy;
  wsProxy: TcpProxy;
  /** The HTTP server's URL through its proxy. */
  httpUrl: string;
  /** The WebSocket server's URL through its proxy. */
  wsUrl: string;
  stop(): Promise<void>;
}

export async function serveProxiedLedger(ledger: Ledger): Promise<ProxiedLedger> {
  const dispatcher = ledger.dispatcher();
  const http: HttpTransport = httpTransport({ host: '127.0.0.1', port: 0, docs: false });
  await http.start(dispatcher);
  const ws: WsServerTransport = wsTransport({ port: 0 });
  await ws.start(dispatcher);
  const httpProxy = await TcpProxy.start(Number(new URL(http.url).port));
  const wsProxy = await TcpProxy.start(ws.port!);
  return {
    dispatcher,
    httpProxy,
    wsProxy,
    httpUrl: httpProxy.in(http.url),
    wsUrl: wsProxy.in(ws.url!),
    async stop() {
      await httpProxy.close();
      await wsProxy.close();
      await http.stop({ graceMs: 100 });
      await ws.stop({ graceMs: 100 });
    },
  };
}

export interface ProxiedLedgerFixture {
  readonly ledger: Ledger;
  /** The servers and proxies (from the file's beforeAll on). */
  readonly served: ProxiedLedger;
  /** Closes `transport` after the current test. */
  track<T extends ClientTransport>(transport: T): T;
}

/** Serves a ledger for the calling test file: started before its tests, stopped after them. */
export function proxiedLedgerForTests(): ProxiedLedgerFixture {
  const ledger = new Ledger();
  const clients: ClientTransport[] = [];
  let served: ProxiedLedger | undefined;
  beforeAll(async () => {
    served = await serveProxiedLedger(ledger);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close?.()));
  });
  afterAll(async () => {
    await served?.stop();
  });
  return {
    ledger,
    get served() {
      if (!served) throw new Error('the ledger is served from beforeAll on');
      return served;
    },
    track(transport) {
      clients.push(transport);
      return transport;
    },
  };
}
