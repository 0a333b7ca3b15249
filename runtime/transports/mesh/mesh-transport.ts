/**
 * The mesh as a server transport (`transports.mesh` in the config): a mesh node on the server's
 * dispatcher, so its services are offered to the mesh and calls for services it does not serve
 * are routed to the nodes that do.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import type { ServerTransport } from '../../core/transport.js';
import { MeshNode, type MeshStatus } from './mesh-node.js';
import { resolveMeshOptions, type MeshOptions } from './options.js';

export interface MeshServerTransport extends ServerTransport {
  readonly name: 'mesh';
  /** The port peers dial, once started (undefined for a node that only dials). */
  readonly port: number | undefined;
  /** Links, reachable nodes, the services they serve, event counters. */
  status(): MeshStatus;
  /** Resolves once a reachable node serves `service` (and `version`, if given). */
  whenReachable(service: string, version?: number, timeoutMs?: number): Promise<void>;
}

export function meshTransport(options: MeshOptions = {}): MeshServerTransport {
  return new MeshTransport(new MeshNode(resolveMeshOptions(options, { relay: true })));
}

class MeshTransport implements MeshServerTransport {
  readonly name = 'mesh' as const;
  readonly #node: MeshNode;

  constructor(node: MeshNode) {
    this.#node = node;
  }

  get url(): string | undefined {
    return this.#node.url;
  }

  get port(): number | undefined {
    return this.#node.port;
  }

  start(dispatcher: Dispatcher): Promise<void> {
    return this.#node.start(dispatcher);
  }

  stop(options: { graceMs?: number } = {}): Promise<void> {
    return this.#node.stop(options.graceMs ?? 10_000);
  }

  status(): MeshStatus {
    return this.#node.status();
  }

  whenReachable(service: string, version?: number, timeoutMs?: number): Promise<void> {
    return this.#node.whenReachable(service, version, timeoutMs);
  }
}
