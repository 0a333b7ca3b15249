/**
 * Events between processes: every event this process's bus sees (emitted here, or relayed in by
 * another network such as the mesh) goes out on its subject, `<prefix>.<service>.v<N>.event.<name>`,
 * and events other processes emit on the services served here come back in through
 * `dispatcher.relay` with origin 'nats', so local subscribers (WebSocket clients, in-process
 * listeners) get them too. Nothing loops: events of origin 'nats' are never sent out again, and a
 * process never takes its own events back (the connection has noEcho, and every event carries the
 * emitting node's id in `accord-origin`).
 */
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { ServiceContract } from '../../contract/index.js';
import { msgpackCodec, type Codec } from '../../core/codecs.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { PublishedEvent } from '../../core/events.js';
import type { Subjects } from './subjects.js';
import { codecOf, decodeBody, encodeBody, HEADERS, headersOf, MSGPACK_TYPE } from './wire.js';

export const NATS_ORIGIN = 'nats';

export class EventBridge {
  readonly #nc: NatsConnection;
  readonly #dispatcher: Dispatcher;
  readonly #subjects: Subjects;
  readonly #codec: Codec;
  readonly #headers: MsgHdrs;
  readonly #subs: Subscription[] = [];
  #untap: (() => void) | undefined;

  constructor(nc: NatsConnection, dispatcher: Dispatcher, subjects: Subjects, codec: Codec) {
    this.#nc = nc;
    this.#dispatcher = dispatcher;
    this.#subjects = subjects;
    this.#codec = codec;
    const record: Record<string, string> = { [HEADERS.origin]: dispatcher.nodeId };
    if (codec === msgpackCodec) record[HEADERS.contentType] = MSGPACK_TYPE;
    this.#headers = headersOf(record);
  }

  /** Relays in the events of `services` (those with events) and starts sending local ones out. */
  start(services: readonly ServiceContract[]): void {
    for (const service of services) {
      if (Object.keys(service.events).length === 0) continue;
      this.#subs.push(this.#nc.subscribe(this.#subjects.events(service.name, service.version), {
        callback: (_error, msg) => this.#relay(service, msg),
      }));
    }
    this.#untap = this.#dispatcher.events.tap((event) => this.#send(event));
  }

  stop(): void {
    this.#untap?.();
    this.#untap = undefined;
    for (const sub of this.#subs.splice(0)) sub.unsubscribe();
  }

  #send(event: PublishedEvent): void {
    if (event.origin === NATS_ORIGIN || this.#nc.isClosed()) return;
    try {
      this.#nc.publish(this.#subjects.event(event.service, event.version, event.event), encodeBody(this.#codec, event.data), { headers: this.#headers });
    } catch (error) {
      this.#dispatcher.logger.warn({ err: error, event: `${event.service}.v${event.version}.${event.event}` }, 'nats: could not publish an event');
    }
  }

  #relay(service: ServiceContract, msg: Msg): void {
    const headers = msg.headers;
    if (headers?.get(HEADERS.origin) === this.#dispatcher.nodeId) return;
    const event = this.#subjects.eventName(msg.subject);
    if (event === undefined) return;
    try {
      const data = decodeBody(codecOf(headers?.get(HEADERS.contentType) || undefined), msg.data, `the event on ${msg.subject}`);
      this.#dispatcher.relay({ service: service.name, version: service.version, event, data, origin: NATS_ORIGIN });
    } catch (error) {
      // An event of the wrong shape from another process (or a stray publisher): drop it, say why.
      this.#dispatcher.logger.warn({ err: error, subject: msg.subject }, 'nats: dropped an event that does not match the contract');
    }
  }
}
