/**
 * Events over HTTP, as Server-Sent Events: `GET /events/<service>/<event>` (the highest version
 * served) or `GET /events/<service>/v<N>/<event>`. One response per subscription:
 *
 *   : subscribed ticker.v1 alert        (a comment: the subscription is live)
 *   retry: 2000                          (EventSource reconnects after 2 s)
 *
 *   data: {"symbol":"ACME",...}          (one message per event, JSON; bytes() fields as base64)
 *
 *   : ♥                                  (a heartbeat comment every `heartbeatMs`, for proxies)
 *
 *   event: error                         (last message when the server ends the stream:
 *   data: {"code":"UNAVAILABLE",...}      draining, or a consumer too slow to keep up)
 *
 * Delivery is at most once: no `id:` fields, `Last-Event-ID` is ignored, and events emitted while a
 * client is reconnecting are not replayed. Credentials travel as headers (fetch-based clients) and
 * are checked when the stream opens: the event's `auth` requirement when its contract declares one;
 * a refused subscription is an ordinary error response (401, 403, 501...).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { encodeJson } from '../../core/codecs.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import { AccordError } from '../../core/errors.js';
import { sendError, toAccordError } from './responses.js';
import { SSE_CONTENT_TYPE } from './stream-format.js';

export interface EventStreamLimits {
  /** Interval of heartbeat comments (default 15 s; 0 disables). */
  heartbeatMs: number;
  /** Open event streams past which new ones get 429 RESOURCE_EXHAUSTED. */
  maxStreams: number;
  /** Bytes buffered for one stream past which it is ended as a slow consumer. */
  maxBufferedBytes: number;
}

const HEARTBEAT = ': \u2665\n\n';

/** One open event stream. */
class EventStream {
  unsubscribe: (() => void) | undefined = undefined;
  #ended = false;

  constructor(readonly res: ServerResponse, readonly owner: EventStreams) {}

  deliver(data: unknown): void {
    if (this.#ended) return;
    let text: string;
    try {
      text = `data: ${encodeJson(data)}\n\n`;
    } catch {
      return; // validated against its contract, so an unencodable event is a bug logged where it was emitted
    }
    this.res.write(text);
    if (this.res.writableLength > this.owner.limits.maxBufferedBytes) {
      this.end(new AccordError('RESOURCE_EXHAUSTED', 'slow consumer: too many event bytes buffered'));
    }
  }

  heartbeat(): void {
    if (!this.#ended) this.res.write(HEARTBEAT);
  }

  /** Ends the stream, with an error message first when `error` is given. */
  end(error?: AccordError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.unsubscribe?.();
    this.owner.removed(this);
    if (this.res.destroyed) return;
    this.res.end(error ? `event: error\ndata: ${encodeJson(error.toWire())}\n\n` : undefined);
  }
}

export class EventStreams {
  readonly limits: EventStreamLimits;
  readonly #dispatcher: Dispatcher;
  readonly #open = new Set<EventStream>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #draining = false;

  constructor(dispatcher: Dispatcher, limits: EventStreamLimits) {
    this.#dispatcher = dispatcher;
    this.limits = limits;
  }

  get size(): number {
    return this.#open.size;
  }

  register(app: FastifyInstance): void {
    app.get('/events/:service/:event', (req, reply) => {
      const p = req.params as Record<string, string>;
      return this.#subscribe(req, reply, p.service, undefined, p.event);
    });
    app.get('/events/:service/:version/:event', (req, reply) => {
      const p = req.params as Record<string, string>;
      const match = /^v([1-9][0-9]*)$/.exec(p.version);
      if (!match) return sendError(reply, new AccordError('UNIMPLEMENTED', `no event stream at ${req.url.split('?')[0]}: versions look like v2`), false);
      return this.#subscribe(req, reply, p.service, Number(match[1]), p.event);
    });
  }

  /** Draining: every stream ends with an UNAVAILABLE error message (clients reconnect elsewhere); new ones are refused. */
  drain(): void {
    this.#draining = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const error = new AccordError('UNAVAILABLE', 'the server is shutting down; subscribe again');
    for (const stream of [...this.#open]) stream.end(error);
  }

  removed(stream: EventStream): void {
    this.#open.delete(stream);
    if (this.#open.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  async #subscribe(req: FastifyRequest, reply: FastifyReply, service: string, version: number | undefined, event: string): Promise<void> {
    if (this.#draining) return sendError(reply, new AccordError('UNAVAILABLE', 'the server is shutting down'), false);
    if (this.#open.size >= this.limits.maxStreams) {
      return sendError(reply, new AccordError('RESOURCE_EXHAUSTED', `the server has ${this.limits.maxStreams} event streams open; try again later`), false);
    }
    const stream = new EventStream(reply.raw, this);
    let subscription: Awaited<ReturnType<Dispatcher['subscribeAs']>>;
    try {
      subscription = await this.#dispatcher.subscribeAs(req.raw.headers as Record<string, string>, service, version, event, (data) => stream.deliver(data));
    } catch (error) {
      return sendError(reply, toAccordError(error), false);
    }
    // The client may have gone, or the server started draining, while credentials were checked.
    if (reply.raw.destroyed || this.#draining) {
      subscription.unsubscribe();
      if (!reply.raw.destroyed) sendError(reply, new AccordError('UNAVAILABLE', 'the server is shutting down'), false);
      return;
    }
    // HEAD: the answer GET would start with, and no stream (a HEAD response has no body, so Node
    // would never send the headers of an open one: the client would wait, holding a subscription).
    if (req.method === 'HEAD') {
      subscription.unsubscribe();
      reply.header('content-type', `${SSE_CONTENT_TYPE}; charset=utf-8`).header('cache-control', 'no-cache, no-transform').send();
      return;
    }
    stream.unsubscribe = subscription.unsubscribe;
    this.#open.add(stream);
    const headers = reply.getHeaders() as OutgoingHttpHeaders;
    reply.hijack();
    reply.raw.writeHead(200, {
      ...headers,
      'content-type': `${SSE_CONTENT_TYPE}; charset=utf-8`,
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    reply.raw.write(`: subscribed ${subscription.service.name}.v${subscription.service.version} ${event}\nretry: 2000\n\n`);
    reply.raw.once('close', () => stream.end());
    this.#startHeartbeat();
  }

  #startHeartbeat(): void {
    if (this.#timer !== undefined || this.limits.heartbeatMs <= 0) return;
    this.#timer = setInterval(() => {
      for (const stream of this.#open) stream.heartbeat();
    }, this.limits.heartbeatMs);
    this.#timer.unref();
  }
}
