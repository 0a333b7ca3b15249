/**
 * What Accord servers on this NATS network serve, learned from NATS micro discovery: a `$SRV.INFO`
 * request gathers one INFO document per service version per process, and servers that start
 * announce theirs on `<prefix>._announce` (and say goodbye there when they stop). The router asks
 * it which methods exist elsewhere and of which kind; a client asks it why nobody answered a
 * subject (UNIMPLEMENTED when servers are up but none serves the method, UNAVAILABLE otherwise).
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { Empty } from '@nats-io/transport-node';
import { AccordError } from '../../core/errors.js';
import { META, SRV_PREFIX, type InfoResponse } from './micro-types.js';
import type { Subjects } from './subjects.js';

type Kind = 'unary' | 'stream';

/** One service version as served by one process. */
interface Offer {
  node: string;
  methods: Map<string, Kind>;
}

export class Directory {
  readonly #nc: NatsConnection;
  readonly #subjects: Subjects;
  /** This process's node id: its own offers are never listed (a router must not route to itself). */
  readonly #self: string | undefined;
  /** `service` → version → node → offer. */
  #services = new Map<string, Map<number, Map<string, Offer>>>();
  #refreshedAt = 0;
  #refreshing: Promise<void> | undefined;

  constructor(nc: NatsConnection, subjects: Subjects, self?: string) {
    this.#nc = nc;
    this.#subjects = subjects;
    this.#self = self;
  }

  /** The kind of `service.v<version>.<method>` elsewhere (`version` undefined: the highest known), with that version. */
  find(service: string, version: number | undefined, method: string): { kind: Kind; version: number } | undefined {
    const versions = this.#services.get(service);
    if (!versions || versions.size === 0) return undefined;
    const v = version ?? Math.max(...versions.keys());
    const offers = versions.get(v);
    if (!offers) return undefined;
    for (const offer of offers.values()) {
      const kind = offer.methods.get(method);
      if (kind) return { kind, version: v };
    }
    return undefined;
  }

  /** Versions of `service` served elsewhere, ascending. */
  versions(service: string): number[] {
    return [...(this.#services.get(service)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Methods of `service.v<version>` served elsewhere, sorted. */
  methods(service: string, version: number): string[] {
    const names = new Set<string>();
    for (const offer of this.#services.get(service)?.get(version)?.values() ?? []) for (const name of offer.methods.keys()) names.add(name);
    return [...names].sort();
  }

  get empty(): boolean {
    return this.#services.size === 0;
  }

  /** Adds (or replaces) what one INFO document offers; documents of other prefixes or non-Accord services are ignored. */
  add(info: InfoResponse): void {
    const meta = info.metadata ?? {};
    const node = meta[META.node];
    const version = Number(meta[META.version]);
    const service = meta[META.service];
    if (meta[META.prefix] !== this.#subjects.prefix || !node || node === this.#self || !service || !Number.isInteger(version)) return;
    const methods = new Map<string, Kind>();
    for (const endpoint of info.endpoints ?? []) methods.set(endpoint.name, endpoint.metadata?.[META.kind] === 'stream' ? 'stream' : 'unary');
    let versions = this.#services.get(service);
    if (!versions) this.#services.set(service, (versions = new Map()));
    let offers = versions.get(version);
    if (!offers) versions.set(version, (offers = new Map()));
    offers.set(node, { node, methods });
  }

  /** Forgets every offer of `node` (it said goodbye). */
  removeNode(node: string): void {
    for (const [service, versions] of this.#services) {
      for (const [version, offers] of versions) {
        offers.delete(node);
        if (offers.size === 0) versions.delete(version);
      }
      if (versions.size === 0) this.#services.delete(service);
    }
  }

  /**
   * Asks every micro service for its INFO and replaces what is known with the answers. Waits up to
   * `maxWaitMs` for the first answer, then until answers stop coming for a moment. A refresh that
   * finished less than `maxAgeMs` ago counts as fresh enough.
   */
  refresh(maxWaitMs: number, maxAgeMs = 0): Promise<void> {
    if (Date.now() - this.#refreshedAt <= maxAgeMs) return Promise.resolve();
    return (this.#refreshing ??= this.#gather(maxWaitMs).finally(() => {
      this.#refreshing = undefined;
    }));
  }

  async #gather(maxWaitMs: number): Promise<void> {
    const found = new Directory(this.#nc, this.#subjects, this.#self);
    try {
      const replies = await this.#nc.requestMany(`${SRV_PREFIX}.INFO`, Empty, { strategy: 'stall', stall: 100, maxWait: Math.max(50, maxWaitMs) });
      for await (const msg of replies) found.#addMessage(msg);
    } catch {
      // No micro service at all answers (no responders), or the connection dropped: nothing found.
    }
    this.#services = found.#services;
    this.#refreshedAt = Date.now();
  }

  /** Takes an INFO document from a message (announce or discovery reply); malformed ones are ignored. */
  addMessage(msg: Msg): void {
    this.#addMessage(msg);
  }

  #addMessage(msg: Msg): void {
    try {
      const info = msg.json<InfoResponse>();
      if (info?.type === 'io.nats.micro.v1.info_response') this.add(info);
    } catch {
      // not JSON: not a micro document
    }
  }

  /**
   * Why no process answered `subject` for this call, after a fresh look at who serves what:
   * UNIMPLEMENTED when Accord servers answer discovery but none serves the method (naming what
   * does exist), UNAVAILABLE when none answers at all or the method is served (a restart: retry).
   */
  async explainNoResponders(call: { service: string; version: number; method: string }, subject: string, maxWaitMs: number): Promise<AccordError> {
    await this.refresh(maxWaitMs, 1_000);
    const { service, version, method } = call;
    if (this.empty) return new AccordError('UNAVAILABLE', `no Accord server answers on NATS (nobody listens on ${subject}); are the servers running and connected?`);
    const versions = this.versions(service);
    if (versions.length === 0) return new AccordError('UNIMPLEMENTED', `no Accord server on NATS serves '${service}' (nobody listens on ${subject})`);
    if (!versions.includes(version)) return new AccordError('UNIMPLEMENTED', `'${service}' is served in version ${versions.join(', ')} on NATS, not v${version}`);
    if (!this.find(service, version, method)) {
      return new AccordError('UNIMPLEMENTED', `${service}.v${version} has no method '${method}' on NATS (it has ${this.methods(service, version).join(', ')})`);
    }
    return new AccordError('UNAVAILABLE', `no server answered ${subject} just now, though ${service}.v${version}.${method} is served: a server is restarting; retry`);
  }
}
