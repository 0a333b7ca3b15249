/**
 * The node records this node knows, its own included: the mesh's shared view (link state). Records
 * spread by gossip: a node floods its own record when it changes and passes on every record newer
 * than the one it held, so each record version crosses each link at most once or twice and the
 * flood ends. A node that hears a version of its own record at least as new as its current one (it
 * restarted with a slow clock) raises its seq past it, so its live record wins again.
 *
 * A record of this node's id written by another instance is never stored nor passed on. An older
 * one is this node's previous run; a newer one is a second process using the same id (reported
 * through `onForeignSelf`, and refuted once: refuting each other forever would flood the mesh).
 */
import type { NodeRecord } from './node-record.js';

export class Membership {
  readonly self: string;
  #own: NodeRecord;
  readonly #others = new Map<string, NodeRecord>();
  /** When each node was last reachable, for forgetting nodes that are gone for good. */
  readonly #lastReachable = new Map<string, number>();
  /** Other instances of this node's id already refuted once. */
  readonly #refuted = new Set<string>();
  readonly #onForeignSelf: (record: NodeRecord) => void;

  constructor(own: Omit<NodeRecord, 'seq'>, onForeignSelf: (record: NodeRecord) => void = () => undefined) {
    this.self = own.node;
    this.#onForeignSelf = onForeignSelf;
    // The clock, so a restarted node's first record is newer than the ones peers remember.
    this.#own = { ...own, seq: Date.now() };
  }

  get own(): NodeRecord {
    return this.#own;
  }

  get size(): number {
    return this.#others.size + 1;
  }

  get(node: string): NodeRecord | undefined {
    return node === this.self ? this.#own : this.#others.get(node);
  }

  /** Every record, this node's first. */
  all(): NodeRecord[] {
    return [this.#own, ...this.#others.values()];
  }

  others(): IterableIterator<NodeRecord> {
    return this.#others.values();
  }

  /** A new version of this node's own record. */
  updateOwn(patch: Partial<Omit<NodeRecord, 'node' | 'seq'>>): NodeRecord {
    this.#own = { ...this.#own, ...patch, seq: Math.max(this.#own.seq + 1, Date.now()) };
    return this.#own;
  }

  /** Takes records a peer sent; returns the ones that were news (to pass on), own refutations included. */
  merge(records: readonly NodeRecord[]): NodeRecord[] {
    const news: NodeRecord[] = [];
    for (const record of records) {
      if (record.node === this.self) {
        // An older record of another instance is this node's previous run, still held somewhere: ignored.
        if (record.seq < this.#own.seq) continue;
        const foreign = record.instance !== undefined && record.instance !== this.#own.instance;
        if (foreign) this.#onForeignSelf(record);
        if (!foreign || !this.#refuted.has(record.instance!)) {
          if (foreign) this.#refuted.add(record.instance!);
          this.#own = { ...this.#own, seq: record.seq + 1 };
          news.push(this.#own);
        }
        continue;
      }
      const known = this.#others.get(record.node);
      if (known && known.seq >= record.seq) continue;
      this.#others.set(record.node, record);
      if (!this.#lastReachable.has(record.node)) this.#lastReachable.set(record.node, Date.now());
      news.push(record);
    }
    return news;
  }

  /** Drops records of nodes unreachable for longer than `forgetAfterMs`; returns their ids. */
  sweep(reachable: ReadonlySet<string>, forgetAfterMs: number, now = Date.now()): string[] {
    const forgotten: string[] = [];
    for (const node of this.#others.keys()) {
      if (reachable.has(node)) {
        this.#lastReachable.set(node, now);
        continue;
      }
      const since = this.#lastReachable.get(node) ?? now;
      if (now - since > forgetAfterMs) {
        this.#others.delete(node);
        this.#lastReachable.delete(node);
        forgotten.push(node);
      }
    }
    return forgotten;
  }
}
