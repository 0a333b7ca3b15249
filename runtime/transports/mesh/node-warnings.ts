/**
 * What a mesh node warns about, once each: another node serving a different contract of a service
 * this node serves (calls are routed only to matching fingerprints, but an operator should know),
 * and another process using this node's id somewhere in the mesh.
 */
import type { Logger } from '../../core/logger.js';
import type { ContractIndex } from './contract-index.js';
import { differingMethods, type NodeRecord } from './node-record.js';

export class NodeWarnings {
  readonly #said = new Set<string>();

  constructor(private readonly self: string, private readonly served: ContractIndex, private readonly logger: Logger) {}

  /** A record that was news: does it serve another contract of a service served here? */
  contractDrift(record: NodeRecord): void {
    for (const offer of record.services) {
      const mine = this.served.service(offer.name, offer.version);
      if (!mine || mine.fingerprint === offer.fingerprint || !this.#first(`${record.node}/${offer.name}.v${offer.version}/${offer.fingerprint}`)) continue;
      this.logger.warn({ node: this.self, peer: record.node, service: `${offer.name}.v${offer.version}`, methods: differingMethods(mine, offer) },
        'a mesh node serves another contract of a service this node serves; calls are routed only to nodes with the expected fingerprint');
    }
  }

  /** A newer record of this node's id from another process. */
  foreignSelf(record: NodeRecord): void {
    if (!this.#first(`self/${record.instance}`)) return;
    this.logger.error({ node: record.node, instance: record.instance, addr: record.addr, links: record.links },
      'another mesh node uses this node id; give every node its own id');
  }

  #first(key: string): boolean {
    if (this.#said.has(key)) return false;
    this.#said.add(key);
    return true;
  }
}
