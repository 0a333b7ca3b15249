/**
 * The HTTP server transport (fastify 5). It turns requests into call envelopes for the dispatcher
 * and results into responses; it never validates, authorizes or runs handlers itself.
 * Routes: see routes.ts (calls) and docs.ts (OpenAPI, docs, health).
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Dispatcher } from '../../core/dispatcher.js';
import { AccordError } from '../../core/errors.js';
import { healthOf } from '../../core/health.js';
import { isPinoLike } from '../../core/logger.js';
import type { ServerTransport } from '../../core/transport.js';
import { metricsOf } from '../../observability/server-telemetry.js';
import { registerBodyParsers } from './body-parsers.js';
import { InFlightCalls } from './calls.js';
import { answerClientError } from './client-errors.js';
import { limitConnections } from './connection-limit.js';
import { lingerOnClose } from './lingering-close.js';
import { registerCors, type CorsOptions } from './cors.js';
import { notFoundBody, registerPages, type PublicServer } from './docs.js';
import { EventStreams, type EventStreamLimits } from './event-streams.js';
import { JSON_CONTENT_TYPE, sendError, wantsMsgpack } from './responses.js';
import { registerCallRoutes } from './routes.js';

export interface HttpTransportOptions {
  /** Interface to listen on (default 127.0.0.1; use 0.0.0.0 to accept outside connections). */
  host?: string;
  /** Port (default 3000; 0 picks a free one, see `url` after start). */
  port?: number;
  /** Largest request body; larger ones get 413 PAYLOAD_TOO_LARGE (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Time allowed to receive a whole request (headers and body); slower clients get 408 (default 30 s). */
  requestTimeoutMs?: number;
  /** Calls in flight at once past which new calls get 429 RESOURCE_EXHAUSTED (default 10 000). */
  maxInFlight?: number;
  /**
   * Open connections (WebSockets sharing the port included) past which new ones are answered
   * 503 UNAVAILABLE and closed (default 10 000; keep it below the process's file limit, `ulimit -n`).
   */
  maxConnections?: number;
  /** Path of the generated OpenAPI document served at /openapi.json (default generated/openapi.json under the working directory, when it exists). */
  openapiFile?: string;
  /** Path of the generated AsyncAPI document served at /asyncapi.json (default generated/asyncapi.json, when it exists). */
  asyncapiFile?: string;
  /**
   * This deployment's public addresses (e.g. `[{ url: 'https://api.example.com' }]`): the served
   * documents list them as `servers`; without them they keep the generated relative `/`.
   */
  servers?: PublicServer[];
  /** Serve the interactive API reference at /docs (default true). */
  docs?: boolean;
  /** Default grace period for stop() (default 10 s). */
  graceMs?: number;
  /** Allow browser apps from other origins (default off: same-origin pages need nothing). */
  cors?: CorsOptions;
  /** Adds routes or plugins of your own before the server starts listening. */
  configure?: (app: FastifyInstance) => void | Promise<void>;
  /**
   * `GET /metrics` for Prometheus, when the dispatcher has metrics (createServer's do): true
   * (default), false, or another path.
   */
  metrics?: boolean | { path: string };
  /** Server-Sent Event streams of services' events at `GET /events/...` (default on; see event-streams.ts). */
  events?: Partial<EventStreamLimits> | false;
  /**
   * fastify's own request log lines ("incoming request", "request completed", with a request id)
   * through the dispatcher's pino logger. Default off: Accord logs per call, and fastify with a
   * logger costs every request a few µs even with its request lines disabled.
   */
  logRequests?: boolean;
}

export interface HttpTransport extends ServerTransport {
  readonly name: 'http';
  /** The Node server, after start(): the WebSocket transport can share its port. */
  readonly server: Server;
  /** `http://host:port`, after start(). */
  readonly url: string;
  /** The fastify instance, after start() (read-only use: add routes with the `configure` option). */
  readonly app: FastifyInstance;
}

export function httpTransport(options: HttpTransportOptions = {}): HttpTransport {
  return new HttpServerTransport(options);
}

class HttpServerTransport implements HttpTransport {
  readonly name = 'http' as const;
  readonly #options: HttpTransportOptions;
  readonly #calls = new InFlightCalls();
  #events: EventStreams | undefined;
  #removeGauges: Array<() => void> = [];
  #app: FastifyInstance | undefined;
  #url: string | undefined;
  #ready = false;
  readonly #state = { draining: false };
  #stopping: Promise<void> | undefined;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
  }

  get server(): Server {
    return this.#started().server;
  }

  get app(): FastifyInstance {
    return this.#started();
  }

  get url(): string {
    this.#started();
    return this.#url!;
  }

  #started(): FastifyInstance {
    if (!this.#app) throw new Error('the HTTP transport is not started yet; call start(dispatcher) first');
    return this.#app;
  }

  async start(dispatcher: Dispatcher): Promise<void> {
    if (this.#app) throw new Error('the HTTP transport is already started');
    const o = this.#options;
    const requestTimeout = o.requestTimeoutMs ?? 30_000;
    const app = Fastify({
      ...loggerOptions(dispatcher, o.logRequests ?? false),
      bodyLimit: o.bodyLimitBytes ?? 1024 * 1024,
      requestTimeout,
      // Node checks request timeouts on an interval (30 s by default): check often enough to honour short ones.
      http: { connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(requestTimeout / 4))), headersTimeout: Math.min(60_000, requestTimeout) },
      return503OnClosing: false, // draining is ours: readyz 503, calls UNAVAILABLE with the error shape
      forceCloseConnections: false,
      routerOptions: { ignoreTrailingSlash: true },
      clientErrorHandler: answerClientError,
    });
    this.#app = app;

    registerBodyParsers(app);
    limitConnections(app, o.maxConnections ?? 10_000);
    lingerOnClose(app.server);
    if (o.cors) registerCors(app, o.cors);
    app.setErrorHandler((error: FastifyError | AccordError, req, reply) => {
      sendError(reply, fromFastifyError(error, this.#options.bodyLimitBytes ?? 1024 * 1024, dispatcher), wantsMsgpack(req.headers));
    });
    app.setNotFoundHandler((req, reply) => {
      // A POST under /rpc names a method that is not served: the same UNIMPLEMENTED every transport gives,
      // so NOT_FOUND stays the handlers' own (contracts declare it with typed data).
      if (req.method === 'POST' && req.url.startsWith('/rpc/')) {
        return sendError(reply, new AccordError('UNIMPLEMENTED', `no RPC method at POST ${req.url.split('?')[0]}`), wantsMsgpack(req.headers));
      }
      reply.code(404).header('content-type', JSON_CONTENT_TYPE).send(notFoundBody(req.method, req.url));
    });

    registerCallRoutes(app, {
      dispatcher,
      calls: this.#calls,
      state: this.#state,
      maxInFlight: o.maxInFlight ?? 10_000,
    });
    if (o.events !== false) {
      const limits = o.events ?? {};
      this.#events = new EventStreams(dispatcher, {
        heartbeatMs: limits.heartbeatMs ?? 15_000,
        maxStreams: limits.maxStreams ?? 10_000,
        maxBufferedBytes: limits.maxBufferedBytes ?? 4 * 1024 * 1024,
      });
      this.#events.register(app);
    }
    const metrics = o.metrics === false ? undefined : metricsOf(dispatcher);
    if (metrics) {
      const path = typeof o.metrics === 'object' ? o.metrics.path : '/metrics';
      app.get(path, async (_req, reply) => {
        const text = await metrics.text();
        reply.header('content-type', metrics.contentType).send(text);
      });
      const events = this.#events;
      if (events) this.#removeGauges.push(metrics.gauge({ name: 'accord_http_event_streams', help: 'Server-Sent Event streams open on the HTTP transport.', read: () => events.size }));
    }
    const generated = (file: string) => (existsSync(resolve('generated', file)) ? resolve('generated', file) : undefined);
    registerPages(app, {
      openapiFile: o.openapiFile ?? generated('openapi.json'),
      asyncapiFile: o.asyncapiFile ?? generated('asyncapi.json'),
      servers: o.servers,
      docs: o.docs ?? true,
      isReady: () => this.#ready && !this.#state.draining,
      health: () => healthOf(dispatcher),
    });

    await o.configure?.(app);

    const host = o.host ?? '127.0.0.1';
    try {
      await app.listen({ host, port: o.port ?? 3000 });
    } catch (error) {
      this.#app = undefined;
      await app.close().catch(() => undefined);
      throw error;
    }
    const address = app.server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `http://${shownHost}:${address.port}`;
    this.#ready = true;
  }

  stop(options: { graceMs?: number } = {}): Promise<void> {
    return (this.#stopping ??= this.#stop(options.graceMs ?? this.#options.graceMs ?? 10_000));
  }

  async #stop(graceMs: number): Promise<void> {
    const app = this.#app;
    if (!app) return;
    // Draining: readyz answers 503 and new calls get 503 UNAVAILABLE (clients retry idempotent calls
    // elsewhere), while calls already in flight, streams included, get up to graceMs to finish.
    this.#state.draining = true;
    // Event streams are subscriptions, not calls: they end now, with an UNAVAILABLE message.
    this.#events?.drain();
    const idle = await this.#calls.whenIdle(graceMs);
    if (!idle) {
      this.#calls.abortAll();
      await this.#calls.whenIdle(1_000);
    }
    // Responses are handed to their sockets; give them a moment to flush before cutting connections.
    const closed = app.close();
    app.server.closeIdleConnections();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 250).unref())]);
    app.server.closeAllConnections();
    await closed;
    for (const remove of this.#removeGauges) remove();
    this.#removeGauges = [];
  }
}

/**
 * With `logRequests`, fastify logs through the dispatcher's pino logger (the one instance fastify,
 * the runtime and handlers share), a child per request with its `reqId`. Without, fastify gets no
 * logger at all: given one, it adds `finish`/`error` listeners and two clock reads to every
 * response to time the request line, even with request logging disabled (a few µs per request on
 * the hot path). Accord logs what the HTTP transport does itself (errors, encoding failures)
 * through the dispatcher's logger either way.
 */
function loggerOptions(dispatcher: Dispatcher, logRequests: boolean): Record<string, unknown> {
  const logger = dispatcher.logger;
  return logRequests && isPinoLike(logger) ? { loggerInstance: logger } : { logger: false };
}

/** Maps fastify's own errors (body limit, bad content, timeouts) onto the error model. */
function fromFastifyError(error: FastifyError | AccordError, bodyLimit: number, dispatcher: Dispatcher): AccordError {
  if (error instanceof AccordError) return error;
  const status = error.statusCode ?? 500;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AccordError('PAYLOAD_TOO_LARGE', `the request body is over the limit of ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AccordError('PROTOCOL_ERROR', 'unsupported content-type: send application/json or application/msgpack');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AccordError('PROTOCOL_ERROR', 'the content-length header does not match the body');
  }
  if (status === 413) return new AccordError('PAYLOAD_TOO_LARGE', error.message);
  if (status === 408) return new AccordError('DEADLINE_EXCEEDED', 'the request was not received in time');
  if (status >= 400 && status < 500) return new AccordError('PROTOCOL_ERROR', error.message);
  dispatcher.logger.error({ err: error }, 'HTTP transport error');
  return new AccordError('INTERNAL', 'internal error');
}
