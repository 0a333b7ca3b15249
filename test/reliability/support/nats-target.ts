/**
 * The NATS side of the resource tests: a real nats-server, a Target process serving over it, the
 * well-behaved clients that must keep getting answers, and a plain NATS connection that publishes
 * raw requests. Everything started here is stopped by stop().
 */
import { connect, createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type NatsServer } from '../../support/nats-server.js';
import { rawHeaders } from './nats-cases.js';
import { Target } from './target.js';
import { WellBehavedClients } from './well-behaved.js';

export interface NatsTargetOptions {
  maxInFlight: number;
  /** The server's deadline for calls that name none. */
  defaultTimeoutMs?: number;
}

export class NatsTarget {
  private constructor(
    readonly nats: NatsServer,
    readonly target: Target,
    readonly clients: WellBehavedClients,
    /** A plain NATS connection, for raw requests. */
    readonly nc: NatsConnection,
  ) {}

  static async start({ maxInFlight, defaultTimeoutMs }: NatsTargetOptions): Promise<NatsTarget> {
    const nats = await startNatsServer();
    const target = await Target.start({ defaultTimeoutMs, nats: { servers: nats.url, maxInFlight, discoveryWaitMs: 50 } });
    const clients = new WellBehavedClients(target, ['nats'], { nats: { url: nats.url } });
    const nc = await connect({ servers: nats.url });
    await clients.check();
    return new NatsTarget(nats, target, clients, nc);
  }

  /**
   * Starts a probe.count stream of a million items by a raw request with `headers` (its
   * `accord-stream` credit, `accord-heartbeat`...) and a consumer that never grants more credit;
   * returns the replies as they come.
   */
  stingyStream(headers: Record<string, string>): Msg[] {
    const replies: Msg[] = [];
    const inbox = createInbox();
    this.nc.subscribe(inbox, { callback: (_error, msg) => void replies.push(msg) });
    this.nc.publish('accord.probe.v1.count', JSON.stringify({ count: 1_000_000 }), { reply: inbox, headers: rawHeaders(headers) });
    return replies;
  }

  async stop(): Promise<void> {
    await this.nc.close();
    await this.clients.close();
    await this.target.stop();
    await this.nats.stop();
  }
}
