/**
 * In-process event bus: handlers emit a service's typed events here, and transports that deliver
 * events (WebSocket, HTTP event streams, NATS) subscribe. Keyed by `service.vN` and event name.
 */
import type { ServiceContract } from '../contract/index.js';
import { AccordError } from './errors.js';
import { describeIssues, toIssues } from './validation.js';

export type EventListener = (data: unknown) => void;

/** The event's parsed data, or an AccordError naming the event and the fields that are wrong. */
export function validateEvent(contract: ServiceContract, event: string, data: unknown): unknown {
  const spec = Object.hasOwn(contract.events, event) ? contract.events[event] : undefined;
  if (!spec) throw new AccordError('UNIMPLEMENTED', `service '${contract.name}.v${contract.version}' has no event '${event}'`);
  const parsed = spec.data.safeParse(data);
  if (!parsed.success) {
    const issues = toIssues(parsed.error);
    throw new AccordError('INVALID_ARGUMENT', `event ${contract.name}.v${contract.version}.${event}: ${describeIssues(issues)}`, { issues });
  }
  return parsed.data;
}

export interface PublishedEvent {
  service: string;
  version: number;
  event: string;
  data: unknown;
  /**
   * Where the event came from when a network relayed it in ('nats', 'mesh:<node>'); undefined when
   * it was emitted in this process. A transport that forwards events skips those of its own origin.
   */
  origin?: string;
}

export class EventBus {
  private readonly listeners = new Map<string, Set<EventListener>>();
  private readonly taps = new Set<(event: PublishedEvent) => void>();

  subscribe(service: string, version: number, event: string, listener: EventListener): () => void {
    const key = `${service}.v${version}:${event}`;
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listeners.delete(key);
    };
  }

  /** Listeners subscribed to one event (operations and tests: is anyone listening yet?). */
  listenerCount(service: string, version: number, event: string): number {
    return this.listeners.get(`${service}.v${version}:${event}`)?.size ?? 0;
  }

  /** Sees every event, with its origin: for transports that forward events to a network (NATS, mesh). */
  tap(listener: (event: PublishedEvent) => void): () => void {
    this.taps.add(listener);
    return () => this.taps.delete(listener);
  }

  /**
   * Delivers to every listener. One listener that throws (a closed socket, a bug) must neither
   * skip the others nor fail the handler that emitted, so errors go to `onListenerError`.
   */
  publish(event: PublishedEvent): void {
    for (const tap of this.taps) this.#deliver(tap, event, event);
    const set = this.listeners.get(`${event.service}.v${event.version}:${event.event}`);
    if (!set) return;
    for (const listener of set) this.#deliver(listener, event.data, event);
  }

  /** Where listener failures go (the dispatcher points it at its logger). */
  onListenerError: (error: unknown, event: PublishedEvent) => void = () => undefined;

  #deliver<T>(listener: (value: T) => void, value: T, event: PublishedEvent): void {
    try {
      listener(value);
    } catch (error) {
      this.onListenerError(error, event);
    }
  }
}
