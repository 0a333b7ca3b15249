/**
 * Spreading node records: this node's own when it changes (links, leaving), and any record a peer
 * sent that was news here, passed on to every other link. Changes of one event-loop turn leave as
 * one gossip frame per link. A full exchange happens on every new link (the `state` frame carries
 * every record known), so a node that missed gossip while a link was down catches up when it
 * comes back; between those, TCP delivers every frame in order, so no periodic push is needed.
 */
import type { Logger } from '../../core/logger.js';
import { TurnFlush } from '../../link/turn-flush.js';
import type { Membership } from './membership.js';
import type { NodeRecord } from './node-record.js';
import type { PeerLink } from './peer-link.js';

/** Records per gossip frame (a frame must stay under the peer's message limit). */
const RECORDS_PER_FRAME = 64;

export class Gossip {
  readonly #membership: Membership;
  readonly #links: () => Iterable<PeerLink>;
  readonly #onNews: (records: NodeRecord[]) => void;
  readonly #logger: Logger;
  /** Records to send, with the link each came from (not sent back there). */
  readonly #pending = new Map<string, { record: NodeRecord; from: PeerLink | undefined }>();
  readonly #turn = new TurnFlush(() => this.flush());
  /** Records sent and received (a mesh that keeps changing, or flooding, shows here). */
  readonly #counts = { sent: 0, received: 0 };

  constructor(membership: Membership, links: () => Iterable<PeerLink>, onNews: (records: NodeRecord[]) => void, logger: Logger) {
    this.#membership = membership;
    this.#links = links;
    this.#onNews = onNews;
    this.#logger = logger;
  }

  /** This node's record changed. */
  updateOwn(patch: Partial<Omit<NodeRecord, 'node' | 'seq'>>): void {
    this.#queue(this.#membership.updateOwn(patch), undefined);
  }

  stats(): { sent: number; received: number } {
    return { ...this.#counts };
  }

  /** Records a peer sent (in its state or gossip frame). */
  receive(records: readonly NodeRecord[], from: PeerLink): void {
    this.#counts.received += records.length;
    const news = this.#membership.merge(records);
    if (news.length === 0) return;
    for (const record of news) this.#queue(record, record.node === this.#membership.self ? undefined : from);
    this.#onNews(news);
  }

  /** Sends what is queued now (a stopping node's last word). */
  flush(): void {
    if (this.#pending.size === 0) return;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const link of this.#links()) {
      if (link.closed) continue;
      const records = pending.filter((p) => p.from !== link).map((p) => p.record);
      for (let i = 0; i < records.length; i += RECORDS_PER_FRAME) {
        const frame = records.slice(i, i + RECORDS_PER_FRAME);
        if (link.sendControl({ type: 'gossip', records: frame })) this.#counts.sent += frame.length;
        else {
          this.#logger.warn({ peer: link.peer }, 'mesh gossip frame over the peer frame limit; it catches up at its next link');
        }
      }
    }
  }

  #queue(record: NodeRecord, from: PeerLink | undefined): void {
    this.#pending.set(record.node, { record, from });
    this.#turn.request();
  }
}
