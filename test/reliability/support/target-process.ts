/**
 * The server under attack, in its own process (forked by target.ts, stopped by PID): the
 * conformance services and the WebSocket probe service behind whichever transports the parent asks
 * for (RELIABILITY_TARGET, JSON). Anything that would take a real server down is reported to the
 * parent over IPC before the process exits: an uncaught exception or an unhandled rejection is a
 * failed test, never a silent restart. The parent also asks it for memory figures (after a full
 * GC) and transport statistics.
 */
import { Dispatcher } from 'accord-rpc/core';
import { httpTransport, type HttpTransportOptions } from 'accord-rpc/http';
import { meshTransport, type MeshOptions } from 'accord-rpc/mesh';
import { natsTransport, type NatsTransportOptions } from 'accord-rpc/nats';
import { wsTransport, type WsTransportOptions } from 'accord-rpc/ws';
import { authenticate, conformanceServices, createProbe } from '../../conformance/handlers.js';
import { createProbeService, type ProbeState } from '../../ws/fixture.js';

export interface TargetConfig {
  nodeId?: string;
  defaultTimeoutMs?: number;
  http?: Omit<HttpTransportOptions, 'configure'>;
  /** WebSocket on the HTTP server at /ws (with `http`), else on its own port. */
  ws?: WsTransportOptions;
  mesh?: MeshOptions;
  nats?: NatsTransportOptions;
}

export interface TargetReady {
  type: 'ready';
  nodeId: string;
  http?: string;
  ws?: string;
  meshPort?: number;
}

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export type ParentMessage = { type: 'memory'; id: number } | { type: 'stats'; id: number } | { type: 'stop'; id: number };

const send = (message: unknown) => process.send?.(message);

function describe(error: unknown): { message: string; stack?: string } {
  return error instanceof Error ? { message: error.message, stack: error.stack } : { message: String(error) };
}

process.on('uncaughtException', (error) => {
  send({ type: 'crash', kind: 'uncaughtException', ...describe(error) });
  // Give the IPC message a moment to leave, then die as Node would.
  setTimeout(() => process.exit(70), 50);
});
process.on('unhandledRejection', (reason) => {
  send({ type: 'crash', kind: 'unhandledRejection', ...describe(reason) });
});

const config = JSON.parse(process.env.RELIABILITY_TARGET ?? '{}') as TargetConfig;
const probeState: ProbeState = { active: 0, maxActive: 0, held: new Map(), aborted: [], produced: 0 };
const dispatcher = new Dispatcher({
  services: [createProbeService(probeState), ...conformanceServices(createProbe())],
  authenticate,
  nodeId: config.nodeId ?? `target-${process.pid}`,
  defaultTimeoutMs: config.defaultTimeoutMs ?? 5_000,
});

const http = config.http ? httpTransport({ host: '127.0.0.1', port: 0, ...config.http }) : undefined;
await http?.start(dispatcher);
const ws = config.ws ? wsTransport(http ? { server: http.server, path: '/ws', ...config.ws } : { port: 0, ...config.ws }) : undefined;
await ws?.start(dispatcher);
const mesh = config.mesh ? meshTransport({ port: 0, ...config.mesh }) : undefined;
await mesh?.start(dispatcher);
const nats = config.nats ? natsTransport(config.nats) : undefined;
await nats?.start(dispatcher);

async function memory(): Promise<MemoryFigures> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice, with a turn between, so garbage freed by finalizers of the first pass goes too.
  gc?.();
  await new Promise((resolve) => setImmediate(resolve));
  gc?.();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

async function stats(): Promise<Record<string, unknown>> {
  const httpConnections = http ? await new Promise<number>((resolve) => http.server.getConnections((_e, n) => resolve(n ?? -1))) : undefined;
  const wsStats = ws?.stats();
  const meshStatus = mesh?.status();
  return {
    httpConnections,
    wsConnections: wsStats?.connections,
    wsSubscriptions: wsStats?.perConnection.reduce((sum, c) => sum + c.subscriptions, 0),
    wsStreams: wsStats?.perConnection.reduce((sum, c) => sum + c.streams, 0),
    meshLinks: meshStatus?.links.length,
    natsInFlight: nats?.inFlight,
    produced: probeState.produced,
  };
}

process.on('message', (message: ParentMessage) => {
  const answer = (value: Promise<unknown>) => void value.then((result) => send({ type: 'answer', id: message.id, result }));
  if (message.type === 'memory') answer(memory());
  else if (message.type === 'stats') answer(stats());
  else if (message.type === 'stop') {
    answer(Promise.all([nats?.stop({ graceMs: 100 }), mesh?.stop({ graceMs: 100 }), ws?.stop({ graceMs: 100 }), http?.stop({ graceMs: 100 })]).then(() => dispatcher.close()));
  }
});

const ready: TargetReady = {
  type: 'ready',
  nodeId: dispatcher.nodeId,
  http: http?.url,
  ws: ws ? (http ? `${http.url.replace('http', 'ws')}/ws` : ws.url) : undefined,
  meshPort: mesh?.port,
};
send(ready);
