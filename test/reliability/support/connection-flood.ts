/**
 * Many connections at once, for resource attacks: bare TCP sockets that send nothing (or a byte
 * now and then), and WebSockets that stop after the upgrade or after the hello. Opened in waves so
 * the listener's backlog is not the thing under test; every one is destroyed by `close()`.
 */
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';

export class ConnectionFlood {
  readonly sockets: Socket[] = [];
  readonly websockets: WebSocket[] = [];
  /** Sockets the server closed (or refused), by kind. */
  readonly closed = { tcp: 0, ws: 0 };
  /** WebSocket upgrades refused with an HTTP status, by status. */
  readonly refusals = new Map<number, number>();
  /** Close codes the server sent WebSockets. */
  readonly closeCodes = new Map<number, number>();

  /** `n` TCP connections; each writes `first` (if any) once connected. */
  async tcp(port: number, n: number, first?: Uint8Array): Promise<void> {
    await waves(n, () => new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        if (first) socket.write(first);
        resolve();
      });
      socket.on('error', () => resolve());
      socket.on('close', () => this.closed.tcp++);
      socket.on('data', () => undefined);
      this.sockets.push(socket);
    }));
  }

  /** `n` WebSockets; with `hello`, each says hello (JSON) once open and then nothing more. */
  async ws(url: string, n: number, hello: boolean): Promise<void> {
    await waves(n, () => new Promise<void>((resolve) => {
      const socket = new WebSocket(url);
      socket.on('open', () => {
        if (hello) socket.send(JSON.stringify({ type: 'hello', version: 1, codec: 'json' }));
        resolve();
      });
      socket.on('unexpected-response', (_req, res) => {
        this.refusals.set(res.statusCode ?? 0, (this.refusals.get(res.statusCode ?? 0) ?? 0) + 1);
        res.resume();
        resolve();
      });
      socket.on('error', () => resolve());
      socket.on('close', (code) => {
        this.closed.ws++;
        this.closeCodes.set(code, (this.closeCodes.get(code) ?? 0) + 1);
      });
      this.websockets.push(socket);
    }));
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    for (const socket of this.websockets) socket.terminate();
  }
}

async function waves(n: number, open: () => Promise<void>, size = 200): Promise<void> {
  for (let i = 0; i < n; i += size) await Promise.all(Array.from({ length: Math.min(size, n - i) }, open));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 50 ms until it holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(50);
  }
}
