/**
 * The connections of a node that are in their mesh handshake, at most `maxPendingHandshakes`. When
 * that many are pending, a new inbound connection evicts the oldest inbound one (refused with
 * RESOURCE_EXHAUSTED) instead of being turned away: silent connections then cannot lock real peers
 * out for `handshakeTimeoutMs`, because a real peer finishes in a round trip or two and is never
 * the oldest for long, while each silent one is pushed out by the next connection. Handshakes of
 * this node's own dials count toward the bound but are never evicted.
 */
import { AccordError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Handshake } from './handshake.js';
import type { HandshakeRole } from './peer-auth.js';

/** `data.reason` of an eviction's refusal. */
export const EVICTED = 'evicted';
/** Evictions are logged as a warning at most this often (each is logged at debug). */
const REPORT_EVERY_MS = 10_000;

export function isEviction(error: AccordError): boolean {
  return (error.data as { reason?: unknown } | undefined)?.reason === EVICTED;
}

export class PendingHandshakes {
  readonly #all = new Set<Handshake>();
  /** Inbound handshakes, oldest first (a Set iterates in insertion order). */
  readonly #inbound = new Set<Handshake>();
  readonly #max: number;
  readonly #self: string;
  readonly #logger: Logger;
  #evicted = 0;
  #reportedAt = 0;

  constructor(max: number, self: string, logger: Logger) {
    this.#max = max;
    this.#self = self;
    this.#logger = logger;
  }

  get size(): number {
    return this.#all.size;
  }

  /** Whether a new inbound connection may start its handshake; when full, the oldest inbound one is evicted for it. */
  makeRoom(): boolean {
    if (this.#all.size < this.#max) return true;
    const oldest = this.#inbound.values().next().value;
    if (oldest === undefined) return false;
    oldest.evict(new AccordError('RESOURCE_EXHAUSTED', `mesh node '${this.#self}' has ${this.#max} connections in their handshake; the oldest is closed to make room`, { reason: EVICTED }));
    this.#report();
    return this.#all.size < this.#max;
  }

  add(handshake: Handshake, role: HandshakeRole): void {
    if (handshake.finished) return;
    this.#all.add(handshake);
    if (role === 'acceptor') this.#inbound.add(handshake);
  }

  remove(handshake: Handshake): void {
    this.#all.delete(handshake);
    this.#inbound.delete(handshake);
  }

  #report(): void {
    this.#evicted++;
    const now = Date.now();
    if (now - this.#reportedAt < REPORT_EVERY_MS) return;
    this.#logger.warn({ node: this.#self, evicted: this.#evicted, maxPendingHandshakes: this.#max }, 'mesh node is full of connections that have not finished their handshake: evicting the oldest');
    this.#reportedAt = now;
    this.#evicted = 0;
  }
}
