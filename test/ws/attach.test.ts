/** Sharing an existing http.Server: our path upgrades, other paths and plain requests are left alone. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dispatcher } from 'accord-rpc/core';
import { wsClient, wsTransport, type WsServerTransport } from 'accord-rpc/ws';
import { call, createProbeService } from './fixture.js';

describe('ws on a shared http.Server', () => {
  let http: Server;
  let transport: WsServerTransport;
  let other: WebSocketServer;
  let base: string;

  beforeAll(async () => {
    http = createServer((_req, res) => res.end('plain http'));
    other = new WebSocketServer({ noServer: true });
    other.on('connection', (ws) => ws.send('other handler'));
    http.on('upgrade', (req, socket, head) => {
      if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => other.emit('connection', ws, req));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `127.0.0.1:${(http.address() as AddressInfo).port}`;
    transport = wsTransport({ server: http });
    await transport.start(new Dispatcher({ services: [createProbeService({ active: 0, maxActive: 0, held: new Map(), aborted: [], produced: 0 })] }));
  });
  afterAll(async () => {
    await transport.stop({ graceMs: 50 });
    other.close();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });

  it('serves Accord on /ws of the same port', async () => {
    expect(transport.url).toBe(`ws://${base}/ws`);
    const client = wsClient({ url: transport.url! });
    expect(await client.unary(call('echo', { n: 4 }))).toEqual({ n: 4 });
    await client.close();
  });

  it('leaves other upgrade paths and plain requests to their owners', async () => {
    const socket = new WebSocket(`ws://${base}/other`);
    const message = await new Promise<string>((resolve, reject) => {
      socket.on('message', (data) => resolve(data.toString()));
      socket.on('error', reject);
    });
    expect(message).toBe('other handler');
    socket.close();
    const response = await fetch(`http://${base}/anything`);
    expect(await response.text()).toBe('plain http');
  });
});

describe('ws as the only upgrade handler of a shared http.Server', () => {
  it('answers an upgrade for another path with 404 instead of leaving it hanging', async () => {
    const http = createServer((_req, res) => res.end('plain http'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const transport = wsTransport({ server: http });
    await transport.start(new Dispatcher({ services: [createProbeService({ active: 0, maxActive: 0, held: new Map(), aborted: [], produced: 0 })] }));
    try {
      const { port } = http.address() as AddressInfo;
      const outcome = await new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
        socket.on('open', () => resolve('open'));
        socket.on('error', (error) => resolve(error.message));
      });
      expect(outcome).toContain('404');
    } finally {
      await transport.stop({ graceMs: 50 });
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });
});
