/**
 * Which authenticated peers a node takes, and which of two links between the same two nodes it
 * keeps. Refused: a peer using this node's own id, or the id of a peer already linked from another
 * process (its instance id differs), both FAILED_PRECONDITION; a new peer past `maxPeers`,
 * RESOURCE_EXHAUSTED. Two links between the same pair (both dialed at once, or one side redialed
 * before noticing its old link died): both ends keep the one dialed by the node with the smaller
 * id; when the same node dialed both, the newer (the other is a link it already gave up).
 */
import { AccordError } from '../../core/errors.js';
import type { HandshakeRole } from './peer-auth.js';
import type { PeerLink } from './peer-link.js';

export class PeerAdmission {
  constructor(private readonly self: string, private readonly links: ReadonlyMap<string, PeerLink>, private readonly maxPeers: number) {}

  /** Why `peer` (an `instance` of it, met as `role` of this node) is refused, or undefined. */
  refusal(peer: string, instance: string | undefined, role: HandshakeRole): AccordError | undefined {
    const { self } = this;
    if (peer === self) {
      return new AccordError('FAILED_PRECONDITION', `the mesh node that ${role === 'dialer' ? 'accepted' : 'dialed'} uses this node's id '${self}'; give every node its own id (ACCORD_NODE_ID)`);
    }
    const existing = this.links.get(peer);
    if (existing && !existing.closed && existing.instance !== instance) {
      return new AccordError('FAILED_PRECONDITION', `another process already uses the node id '${peer}' (linked from ${existing.socket.remote}); give every node its own id (ACCORD_NODE_ID)`);
    }
    if (!existing && this.links.size >= this.maxPeers) {
      return new AccordError('RESOURCE_EXHAUSTED', `mesh node '${self}' has its maximum of ${this.maxPeers} links`);
    }
    return undefined;
  }

  /** Whether `fresh` takes the place of `existing`, a live link to the same peer (false: `fresh` closes). */
  replaces(existing: PeerLink, fresh: PeerLink): boolean {
    // Another instance with the same id that passed `refusal` in the same moment is not let in either.
    if (existing.instance !== fresh.instance) return false;
    const dialerOf = (link: PeerLink) => (link.role === 'dialer' ? this.self : link.peer);
    return dialerOf(existing) === dialerOf(fresh) || dialerOf(fresh) < dialerOf(existing);
  }
}
