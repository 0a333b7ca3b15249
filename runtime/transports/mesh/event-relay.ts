/**
 * Events across the mesh, each delivered once to every node's event bus. A node taps its bus and
 * sends each event emitted on it (no `origin`) to every node it can reach: one copy per next-hop
 * link, whose `to` lists the nodes behind that link, so every node is named in exactly one copy.
 * A node named in a copy publishes the event on its own bus with `origin: 'mesh:<emitter>'` (which
 * its tap skips: nothing is sent on twice, nothing loops back), and splits the rest of the list by
 * its own next hops. A hop budget (`ttl`) bounds copies caught in a routing change. Events cannot
 * be paused: a link already holding `maxBufferedBytes` drops them (counted and logged).
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import type { PublishedEvent } from '../../core/events.js';
import type { Logger } from '../../core/logger.js';
import type { EventFrame } from './control-frames.js';
import type { PeerLink } from './peer-link.js';
import type { RouteTable } from './route-table.js';

export const ORIGIN_PREFIX = 'mesh:';
const DEFAULT_TTL = 16;

export interface EventRelayOptions {
  self: string;
  /** Whether this node passes events on to nodes behind it. */
  relay: boolean;
  maxBufferedBytes: number;
  logger: Logger;
}

export class EventRelay {
  /** Copies sent and received, and copies dropped on a backed-up link. */
  readonly #counts = { sent: 0, received: 0, dropped: 0 };

  constructor(private readonly dispatcher: Dispatcher, private readonly routes: RouteTable, private readonly options: EventRelayOptions) {}

  /** Starts sending this node's events out; returns the function that stops it. */
  start(): () => void {
    return this.dispatcher.events.tap((event) => this.#onLocal(event));
  }

  stats(): { sent: number; received: number; dropped: number } {
    return { ...this.#counts };
  }

  /** A copy from a peer: publish it here if this node is named, pass the rest on. */
  receive(frame: EventFrame): void {
    const { self } = this.options;
    const rest = frame.to.filter((node) => node !== self);
    if (rest.length !== frame.to.length) {
      this.#counts.received++;
      try {
        this.dispatcher.relay({ service: frame.service, version: frame.version, event: frame.event, data: frame.data, origin: `${ORIGIN_PREFIX}${frame.origin}` });
      } catch (error) {
        this.options.logger.warn({ err: error, origin: frame.origin, event: `${frame.service}.v${frame.version}.${frame.event}` }, 'an event from the mesh was refused');
      }
    }
    if (rest.length > 0 && this.options.relay && frame.ttl > 0) this.#fanOut({ ...frame, to: rest, ttl: frame.ttl - 1 });
  }

  #onLocal(event: PublishedEvent): void {
    // Only events emitted here: relayed ones (mesh, NATS) are sent by whoever brought them in.
    if (event.origin !== undefined) return;
    const reach = this.routes.reach();
    if (reach.size === 0) return;
    this.#fanOut({
      type: 'event', origin: this.options.self, to: [...reach.keys()], ttl: DEFAULT_TTL,
      service: event.service, version: event.version, event: event.event, data: event.data,
    });
  }

  /** One copy per next-hop link, each naming the nodes behind it. */
  #fanOut(frame: EventFrame): void {
    const reach = this.routes.reach();
    const byLink = new Map<PeerLink, string[]>();
    for (const node of frame.to) {
      const via = reach.get(node)?.via;
      if (!via) continue;
      const list = byLink.get(via);
      if (list) list.push(node);
      else byLink.set(via, [node]);
    }
    for (const [link, to] of byLink) {
      if (link.buffered > this.options.maxBufferedBytes || !link.sendControl({ ...frame, to })) {
        if (++this.#counts.dropped % 1000 === 1) {
          this.options.logger.warn({ peer: link.peer, event: `${frame.service}.v${frame.version}.${frame.event}`, dropped: this.#counts.dropped }, 'mesh event dropped: the link is backed up or the event is over its frame limit');
        }
        continue;
      }
      this.#counts.sent++;
    }
  }
}
