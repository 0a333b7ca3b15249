/**
 * What the mesh tests share: nodes in this process (real TCP on 127.0.0.1), nodes in child
 * processes (fixtures/node-process.ts, stopped by PID), a raw TCP peer that speaks the wire
 * protocol byte by byte, and small waits. Every node and socket a test starts is stopped by it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { AccordError, Dispatcher, msgpackCodec, type BoundService } from 'accord-rpc/core';
import { lengthPrefixed, LengthPrefixReader } from 'accord-rpc/link';
import {
  decodeControl, encodeControl, isControlMessage, meshClient, meshTransport,
  type ControlFrame, type MeshClientOptions, type MeshClientTransport, type MeshOptions, type MeshServerTransport,
} from 'accord-rpc/mesh';

export const KEY = 'mesh-test-key-0123456789abcdef';

export interface TestNode {
  id: string;
  dispatcher: Dispatcher;
  transport: MeshServerTransport;
  /** `127.0.0.1:<port>`, for seeds. */
  addr: string;
  stop(graceMs?: number): Promise<void>;
}

export async function startNode(id: string, services: BoundService[], options: MeshOptions = {}): Promise<TestNode> {
  const dispatcher = new Dispatcher({ services, nodeId: id });
  const transport = meshTransport({ port: 0, key: KEY, heartbeatIntervalMs: 1_000, reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, ...options });
  await transport.start(dispatcher);
  return {
    id, dispatcher, transport, addr: `127.0.0.1:${transport.port}`,
    stop: async (graceMs = 100) => {
      await transport.stop({ graceMs });
      await dispatcher.close();
    },
  };
}

export function startClient(seeds: string[], options: Partial<MeshClientOptions> = {}): MeshClientTransport {
  return meshClient({ key: KEY, seeds, heartbeatIntervalMs: 1_000, reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, ...options });
}

/** Polls `check` until it holds, or fails after `ms`. */
export async function until(check: () => boolean, ms = 5_000, what = check.toString()): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The AccordError `promise` rejects with (a test failure when it resolves, or rejects with anything else). */
export function failure(promise: Promise<unknown>): Promise<AccordError> {
  return promise.then(
    (value) => expect.fail(`expected the call to fail, it returned ${JSON.stringify(value)}`),
    (error: unknown) => {
      expect(error).toBeInstanceOf(AccordError);
      return error as AccordError;
    },
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP connection that speaks the mesh wire protocol by hand: length-prefixed control or session messages. */
export class RawPeer {
  readonly socket: Socket;
  /** Every byte this side sent and received, for checking what went over the wire. */
  readonly wire: Buffer[] = [];
  readonly closed: Promise<void>;
  readonly #reader = new LengthPrefixReader(16 * 1024 * 1024);
  readonly #messages: Array<{ control?: ControlFrame; session?: unknown }> = [];
  #waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.on('close', () => {
      resolve();
      this.#wake();
    }));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.wire.push(Buffer.from(chunk));
      for (const message of this.#reader.push(chunk)) {
        this.#messages.push(isControlMessage(message) ? { control: decodeControl(message) } : { session: msgpackCodec.decode(message) });
      }
      this.#wake();
    });
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  sendControl(frame: ControlFrame): void {
    this.sendBytes(lengthPrefixed(encodeControl(frame)));
  }

  sendSession(frame: unknown): void {
    this.sendBytes(lengthPrefixed(msgpackCodec.encode(frame)));
  }

  sendBytes(bytes: Uint8Array): void {
    this.wire.push(Buffer.from(bytes));
    this.socket.write(bytes);
  }

  /** The next message received, or undefined if the connection closed first (or `ms` passed). */
  async next(ms = 3_000): Promise<{ control?: ControlFrame; session?: unknown } | undefined> {
    const end = Date.now() + ms;
    while (this.#messages.length === 0) {
      if (this.socket.destroyed || this.socket.readableEnded || Date.now() > end) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, end - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#messages.shift();
  }

  /** The next control frame of `type`, skipping others. */
  async nextControl(type: ControlFrame['type'], ms = 3_000): Promise<ControlFrame | undefined> {
    const end = Date.now() + ms;
    for (;;) {
      const message = await this.next(Math.max(1, end - Date.now()));
      if (!message) return undefined;
      if (message.control?.type === type) return message.control;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

export interface NodeProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<number | string>;
  /** SIGKILL by PID, if still running. */
  kill(): void;
}

const nodeScript = fileURLToPath(new URL('./fixtures/node-process.ts', import.meta.url));

/** A mesh node serving `probe` in its own process; resolves once it listens (and joined its seeds). */
export async function spawnNode(config: { id: string; port?: number; seeds?: string[]; graceMs?: number; heartbeatIntervalMs?: number }): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--conditions=accord-source', '--import', 'tsx', nodeScript], {
    env: { ...process.env, MESH_NODE: JSON.stringify({ key: KEY, port: 0, ...config }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  };
  let done = false;
  void exited.then(() => (done = true));
  const end = Date.now() + 20_000;
  for (;;) {
    const ready = /MESH_READY (\d+)/.exec(out);
    if (ready) return { child, port: Number(ready[1]), output: () => out, exited, kill };
    if (done || Date.now() > end) {
      kill();
      throw new Error(`mesh node ${config.id} did not start:\n${out}`);
    }
    await sleep(20);
  }
}
