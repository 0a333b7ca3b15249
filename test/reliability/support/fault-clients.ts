/**
 * The callers' ends of the fault tests and the soak: a FaultsClient per transport, made with
 * Accord's own client transports (circuit breakers on, as by default) and tuned like the servers
 * of fault.config.ts, so a dead or silent peer is noticed within a second or two; optionally an
 * EventWatch on each, subscribed to `beat`.
 */
import type { ClientTransport } from 'accord-rpc/client';
import { httpClient } from 'accord-rpc/http';
import { meshClient } from 'accord-rpc/mesh';
import { natsClient } from 'accord-rpc/nats';
import { wsClient } from 'accord-rpc/ws';
import { FaultsClient } from './fault-contract.js';
import { MESH_KEY } from './fault.config.js';
import { EventWatch } from './event-watch.js';
import type { LoadTarget } from './mixed-load.js';
import type { TransportName } from './well-behaved.js';

/** Where each transport's client connects: a URL, NATS servers, mesh seeds. */
export interface ClientEnds {
  http?: string;
  ws?: string;
  nats?: string[];
  mesh?: string[];
}

/** Heartbeat of the clients that have one: a silent peer is dropped after about twice this. */
export const CLIENT_HEARTBEAT_MS = 250;

const quiet = () => undefined;

function transportFor(name: TransportName, ends: ClientEnds): ClientTransport {
  switch (name) {
    case 'http':
      return httpClient({ url: ends.http!, reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, onError: quiet });
    case 'ws':
      return wsClient({ url: ends.ws!, heartbeatIntervalMs: CLIENT_HEARTBEAT_MS, reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, connectTimeoutMs: 2_000, onError: quiet });
    case 'nats':
      return natsClient({ servers: ends.nats!, heartbeatMs: CLIENT_HEARTBEAT_MS, reconnectTimeWait: 200, reconnectJitter: 50, noRandomize: true, onError: quiet });
    case 'mesh':
      return meshClient({ key: MESH_KEY, seeds: ends.mesh!, heartbeatIntervalMs: CLIENT_HEARTBEAT_MS, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
  }
}

export class FaultClients {
  readonly targets: LoadTarget[] = [];
  readonly watches: EventWatch[] = [];
  readonly #transports: ClientTransport[] = [];

  /** A client per transport in `ends`; with `events`, an EventWatch on each too. */
  constructor(ends: ClientEnds, options: { events?: boolean } = {}) {
    for (const name of ['http', 'ws', 'nats', 'mesh'] as const) {
      if (ends[name] === undefined) continue;
      const transport = transportFor(name, ends);
      this.#transports.push(transport);
      const client = new FaultsClient(transport);
      this.targets.push({ transport: name, client });
      if (options.events) this.watches.push(new EventWatch(name, client));
    }
  }

  client(name: TransportName): FaultsClient {
    const target = this.targets.find((t) => t.transport === name);
    if (!target) throw new Error(`no ${name} client`);
    return target.client;
  }

  /** The mesh client's transport (for ready() and status()). */
  transport<T extends ClientTransport>(name: TransportName): T {
    return this.#transports[this.targets.findIndex((t) => t.transport === name)] as T;
  }

  async close(): Promise<void> {
    for (const watch of this.watches) watch.close();
    await Promise.all(this.#transports.map((t) => t.close?.().catch(() => undefined)));
  }
}
