/**
 * What the soak runs against: a nats-server and three `accord serve` processes serving `faults` in
 * a worker pool each, all writing one run ledger: a (HTTP, WebSocket, mesh and NATS: the one node
 * on both networks, which bridges events between them), b (mesh, seeded with a) and c (NATS).
 * A client per transport: HTTP and WebSocket to a, NATS through the nats-server (a or c answers),
 * the mesh through a or b; each with an event watch. Only a joins both networks: nodes joined by
 * both the mesh and NATS get each other's events once through each (see docs/reliability.md).
 * Everything it starts is stopped by PID in close().
 */
import type { MeshClientTransport } from 'accord-rpc/mesh';
import { waitFor } from '../../nats/processes.js';
import { startNatsServer, type NatsServer } from '../../support/nats-server.js';
import { FaultClients } from './fault-clients.js';
import { FaultServer } from './fault-servers.js';
import { RunLedger } from './run-ledger.js';

export class SoakDeployment {
  private constructor(
    readonly nats: NatsServer,
    readonly ledger: RunLedger,
    /** a, b, c in that order. */
    readonly servers: FaultServer[],
    readonly clients: FaultClients,
  ) {}

  static async start(): Promise<SoakDeployment> {
    const nats = await startNatsServer();
    const ledger = RunLedger.create();
    const servers: FaultServer[] = [];
    let clients: FaultClients | undefined;
    try {
      const natsServers = [nats.url];
      const a = await FaultServer.start({ nodeId: 'a', transports: ['http', 'ws', 'mesh', 'nats'], ledger, natsServers });
      servers.push(a, ...(await Promise.all([
        FaultServer.start({ nodeId: 'b', transports: ['mesh'], ledger, meshSeeds: [a.meshAddress] }),
        FaultServer.start({ nodeId: 'c', transports: ['nats'], ledger, natsServers }),
      ])));
      clients = new FaultClients({ http: a.httpUrl, ws: a.wsUrl, nats: natsServers, mesh: [a.meshAddress, servers[1]!.meshAddress] }, { events: true });
      const deployment = new SoakDeployment(nats, ledger, servers, clients);
      await deployment.meshWhole(15_000);
      return deployment;
    } catch (error) {
      await clients?.close();
      await Promise.all(servers.map((s) => s.stop()));
      await nats.stop();
      ledger.remove();
      throw error;
    }
  }

  server(nodeId: string): FaultServer {
    return this.servers.find((s) => s.nodeId === nodeId)!;
  }

  /** Resolves once the mesh client reaches both mesh nodes (a and b) serving `faults`. */
  async meshWhole(ms = 10_000): Promise<void> {
    const mesh = this.clients.transport<MeshClientTransport>('mesh');
    await mesh.ready('faults', 1, ms);
    await waitFor(() => (mesh.status().services['faults.v1']?.length === 2 ? true : undefined), ms, 'the mesh client to reach a and b');
  }

  /** Resident memory of each server process, in MiB, by node id. */
  rssMiB(): Map<string, number> {
    return new Map(this.servers.map((s) => [s.nodeId, s.rssBytes() / (1024 * 1024)]));
  }

  async close(): Promise<void> {
    await this.clients.close();
    await Promise.all(this.servers.map((s) => s.stop()));
    await this.nats.stop();
    this.ledger.remove();
  }
}
