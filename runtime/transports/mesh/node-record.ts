/**
 * What one mesh node says about itself, and gossips: its address, whether it forwards calls for
 * others, the services it serves with their contract fingerprints, and the nodes it has a live
 * link to. Only the node itself writes its record; `seq` orders its versions (higher wins).
 */
import type { ServiceContract } from '../../contract/index.js';
import { serviceFingerprints } from '../../core/fingerprint.js';

export type MethodKind = 'unary' | 'stream';

/** One service version a node serves, as it advertises it. */
export interface ServiceOffer {
  name: string;
  version: number;
  /** The service version's contract fingerprint (runtime/core/fingerprint.ts; = generated/manifest.json). */
  fingerprint: string;
  methods: Record<string, { kind: MethodKind; fingerprint: string }>;
}

export interface NodeRecord {
  node: string;
  /** Version of this record; the node raises it with every change (and starts from the clock, so a restart wins). */
  seq: number;
  /** Random per process start (as in its hello): a record of this node's id from another instance is not its own. */
  instance?: string;
  /** `host:port` other nodes may dial, when the node listens. */
  addr?: string;
  /** Whether it forwards calls and events for other nodes (a client-only node does not). */
  relay: boolean;
  /** Set once when the node stops gracefully: route nothing more to it, do not redial it. */
  leaving?: boolean;
  services: ServiceOffer[];
  /** Nodes it has an authenticated link to right now. */
  links: string[];
}

/** What a node advertises for the contracts it serves. */
export function offersOf(services: readonly ServiceContract[]): ServiceOffer[] {
  return services.map((contract) => {
    const fingerprints = serviceFingerprints(contract);
    const methods: ServiceOffer['methods'] = {};
    for (const [name, method] of Object.entries(contract.methods)) methods[name] = { kind: method.kind, fingerprint: fingerprints.methods[name]! };
    return { name: contract.name, version: contract.version, fingerprint: fingerprints.service, methods };
  });
}

/** Methods whose fingerprints differ between two offers of the same service version (contract drift). */
export function differingMethods(mine: ServiceOffer, theirs: ServiceOffer): string[] {
  const names = new Set([...Object.keys(mine.methods), ...Object.keys(theirs.methods)]);
  return [...names].filter((name) => mine.methods[name]?.fingerprint !== theirs.methods[name]?.fingerprint).sort();
}
