/**
 * A TCP proxy on 127.0.0.1 in front of a real server, losing replies and connections the way a
 * network does: it passes bytes through; drops the next reply (the connection is cut the moment the
 * server next sends anything, so the request arrived and ran but its answer never comes back); cuts
 * every open connection; or plays a server that is down (accepts and resets at once). It counts the
 * connections clients open, which is how tests see that no network attempt was made.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  /** Connections clients opened to the proxy, up or down. */
  connections = 0;
  #down = false;
  readonly #server: Server;
  readonly #targetPort: number;
  readonly #open = new Set<Socket>();
  #dropNext: (() => void) | undefined;

  private constructor(targetPort: number) {
    this.#targetPort = targetPort;
    this.#server = createServer((client) => this.#accept(client));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** `url` (the real server's) with the proxy's port instead. */
  in(url: string): string {
    const proxied = new URL(url);
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Plays a server that went down: open connections are cut, new ones reset as soon as they are accepted. */
  down(): void {
    this.#down = true;
    this.cutAll();
  }

  /** Passes connections through again. */
  up(): void {
    this.#down = false;
  }

  /** Cuts the connection the server next answers on, before a byte of that answer passes; resolves when it did. */
  dropNextReply(): Promise<void> {
    return new Promise((resolve) => (this.#dropNext = resolve));
  }

  /** Cuts every connection open now. */
  cutAll(): void {
    for (const socket of this.#open) socket.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #accept(client: Socket): void {
    this.connections++;
    // A reset, as from a host whose server process is gone. (A clean close before the request is
    // written leaves Node 20's fetch waiting forever: measured, so not what 'down' does.)
    if (this.#down) return void client.resetAndDestroy();
    const upstream = connect(this.#targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.#open.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      const dropped = this.#dropNext;
      if (dropped === undefined) return void client.write(chunk);
      this.#dropNext = undefined;
      client.destroy();
      upstream.destroy();
      dropped();
    });
  }
}
