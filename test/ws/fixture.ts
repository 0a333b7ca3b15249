/**
 * Shared setup for the WebSocket transport tests: a small `probe` service (echo with a delay, a
 * call that holds until released or aborted, a stream of padded items, an event), the example
 * contracts' conformance handlers (for auth), and helpers to start a server and clients on 127.0.0.1.
 */
import { z } from 'zod';
import { WebSocket } from 'ws';
import { event, service, stream, unary } from 'accord-rpc/contract';
import { bindService, Dispatcher, msgpackCodec, type BoundService } from 'accord-rpc/core';
import { wsClient, wsTransport, type WsClientOptions, type WsClientTransport, type WsServerTransport, type WsTransportOptions } from 'accord-rpc/ws';
import { authenticate, conformanceServices, createProbe } from '../conformance/handlers.js';

export const probeContract = service({
  name: 'probe',
  version: 1,
  description: 'Test service for the WebSocket transport.',
  methods: {
    echo: unary({ input: z.object({ n: z.number(), delayMs: z.number().default(0) }), output: z.object({ n: z.number() }), runs: 'inline' }),
    hold: unary({ input: z.object({ key: z.string() }), output: z.object({ released: z.boolean() }), runs: 'inline', idempotent: true }),
    count: stream({ input: z.object({ count: z.number().int(), pad: z.number().int().default(0) }), output: z.object({ i: z.number(), pad: z.string() }), runs: 'inline' }),
    note: unary({ input: z.object({ text: z.string() }), output: z.object({}), runs: 'inline' }),
    meta: unary({ input: z.object({}), output: z.object({ hops: z.number(), traceparent: z.string().optional(), visited: z.array(z.string()).optional() }), runs: 'inline' }),
  },
  events: {
    noted: event({ data: z.object({ text: z.string() }) }),
  },
});

export interface ProbeState {
  active: number;
  maxActive: number;
  /** Release functions of `hold` calls in flight, by key. */
  held: Map<string, () => void>;
  /** Abort reasons seen by `hold` calls (codes). */
  aborted: string[];
  /** Items `count` produced. */
  produced: number;
}

export function createProbeService(state: ProbeState): BoundService {
  return bindService(probeContract, {
    echo: async ({ n, delayMs }: { n: number; delayMs: number }) => {
      state.active++;
      state.maxActive = Math.max(state.maxActive, state.active);
      try {
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        return { n };
      } finally {
        state.active--;
      }
    },
    hold: ({ key }: { key: string }, ctx: { signal: AbortSignal }) => new Promise((resolve, reject) => {
      state.held.set(key, () => resolve({ released: true }));
      ctx.signal.addEventListener('abort', () => {
        state.held.delete(key);
        state.aborted.push((ctx.signal.reason as { code?: string })?.code ?? 'unknown');
        reject(ctx.signal.reason);
      }, { once: true });
    }),
    count: async function* ({ count, pad }: { count: number; pad: number }) {
      const padding = 'x'.repeat(pad);
      for (let i = 0; i < count; i++) {
        state.produced++;
        yield { i, pad: padding };
      }
    },
    note: ({ text }: { text: string }, ctx: { emit: (event: string, data: unknown) => void }) => {
      ctx.emit('noted', { text });
      return {};
    },
    meta: (_: unknown, ctx: { meta: { hops: number; traceparent?: string; visited?: string[] } }) => ({
      hops: ctx.meta.hops, traceparent: ctx.meta.traceparent, visited: ctx.meta.visited,
    }),
  });
}

export interface Harness {
  server: WsServerTransport;
  dispatcher: Dispatcher;
  state: ProbeState;
  url: string;
  clients: WsClientTransport[];
  client(options?: Partial<WsClientOptions>): WsClientTransport;
  close(): Promise<void>;
}

export async function startHarness(options: WsTransportOptions = {}): Promise<Harness> {
  const state: ProbeState = { active: 0, maxActive: 0, held: new Map(), aborted: [], produced: 0 };
  const dispatcher = new Dispatcher({ services: [createProbeService(state), ...conformanceServices(createProbe())], authenticate });
  const server = wsTransport({ port: 0, ...options });
  await server.start(dispatcher);
  const clients: WsClientTransport[] = [];
  const harness: Harness = {
    server,
    dispatcher,
    state,
    url: server.url!,
    clients,
    client(clientOptions = {}) {
      const client = wsClient({ url: harness.url, ...clientOptions });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await server.stop({ graceMs: 50 });
    },
  };
  return harness;
}

export const call = (method: string, input: unknown, extra: Record<string, unknown> = {}) => ({
  service: 'probe', version: 1, method, input, metadata: {}, idempotent: false, ...extra,
});

export async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string; data?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

/** A raw `ws` socket speaking the protocol by hand; collects every decoded frame (JSON or MessagePack) and the close. */
export interface RawPeer {
  socket: WebSocket;
  frames: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
}

export async function rawPeer(url: string, options: { hello?: boolean; autoPong?: boolean } = {}): Promise<RawPeer> {
  const socket = new WebSocket(url, { autoPong: options.autoPong ?? true });
  const frames: Array<Record<string, unknown>> = [];
  socket.on('message', (data, isBinary) => {
    const value = isBinary ? msgpackCodec.decode(data as Buffer) : JSON.parse(data.toString());
    if (Array.isArray(value)) frames.push(...value);
    else frames.push(value);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const peer: RawPeer = { socket, frames, closed, send: (frame) => socket.send(JSON.stringify(frame)) };
  if (options.hello !== false) {
    peer.send({ type: 'hello', version: 1, codec: 'json' });
    await until(() => frames.some((f) => f.type === 'welcome'));
  }
  return peer;
}
