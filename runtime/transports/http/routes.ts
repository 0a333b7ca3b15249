/**
 * The HTTP routes that carry calls: `POST /rpc/<service>/<method>` (highest version served),
 * `POST /rpc/<service>/v<N>/<method>`, and each contract's REST route. The route table is built
 * once at start from the dispatcher's services, so a request does one router lookup and no
 * per-call resolution work here; everything else (validation, auth, deadlines) is the dispatcher's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { serviceKey, type ErrorMap, type MethodContract, type ServiceContract } from '../../contract/index.js';
import { isPromiseLike } from '../../core/bounded.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import { nextCallId, type CallEnvelope, type CallMeta } from '../../core/envelope.js';
import { metaFromHeaders } from '../../core/meta-headers.js';
import { encodeJson } from '../../core/codecs.js';
import { AccordError } from '../../core/errors.js';
import type { InFlightCalls, TrackedCall } from './calls.js';
import { restInput, type RestInput } from './rest-input.js';
import { jsonEncoderFor, sendError, sendOutput, toAccordError, wantsMsgpack } from './responses.js';
import { serveStream } from './sse.js';

export interface CallRoutesContext {
  dispatcher: Dispatcher;
  calls: InFlightCalls;
  /** Read on every call: `draining` is true while the server drains. */
  state: { draining: boolean };
  maxInFlight: number;
}

/** One method, as the routes serve it: served here, or reached through a router (mesh, NATS). */
interface Target {
  service: string;
  /** Undefined for a routed call to the highest version the router knows. */
  version: number | undefined;
  name: string;
  kind: MethodContract['kind'];
  /** Declared errors (their HTTP statuses); unknown for routed methods, whose contract lives elsewhere. */
  errors: ErrorMap | undefined;
  encodeJson: (value: unknown) => string;
}

type InputOf = (req: FastifyRequest) => unknown;

const bodyInput: InputOf = (req) => (req.body === undefined ? {} : req.body);

function targetOf(service: ServiceContract, name: string): Target {
  const method = service.methods[name];
  return { service: service.name, version: service.version, name, kind: method.kind, errors: method.errors, encodeJson: jsonEncoderFor(method.output) };
}

/** Call metadata from request headers (lower-case already, as Node gives them). */
export function metaOf(headers: IncomingHttpHeaders): CallMeta {
  // Node lower-cases header names and joins repeats (only set-cookie stays a list, and requests don't carry it).
  return metaFromHeaders(headers as Record<string, string>);
}

function handle(ctx: CallRoutesContext, target: Target, req: FastifyRequest, reply: FastifyReply, inputOf: InputOf): void {
  const headers = req.raw.headers;
  const msgpack = wantsMsgpack(headers);
  const declared = target.errors;
  if (ctx.state.draining) return sendError(reply, new AccordError('UNAVAILABLE', 'the server is shutting down'), msgpack);
  if (ctx.calls.size >= ctx.maxInFlight) {
    return sendError(reply, new AccordError('RESOURCE_EXHAUSTED', `the server has ${ctx.maxInFlight} calls in flight; try again later`), msgpack);
  }
  let envelope: CallEnvelope;
  try {
    envelope = {
      id: nextCallId(),
      service: target.service,
      version: target.version,
      method: target.name,
      input: inputOf(req),
      meta: metaOf(headers),
      transport: 'http',
    };
  } catch (error) {
    return sendError(reply, toAccordError(error), msgpack, declared);
  }

  const call = ctx.calls.track(req.raw);
  if (target.kind === 'stream') {
    const replyHeaders = reply.getHeaders() as OutgoingHttpHeaders;
    reply.hijack();
    void serveStream({
      headers: replyHeaders,
      res: reply.raw,
      items: ctx.dispatcher.stream(envelope, call),
      msgpack,
      encodeJson: target.encodeJson,
      declared,
      overrideError: () => call.overrideError(),
      scope: call,
    }).finally(() => call.release());
    return;
  }

  // Inline handlers that return at once are answered in this turn: no promise per call.
  let result: unknown;
  try {
    result = ctx.dispatcher.unaryNow(envelope, call);
  } catch (error) {
    return replyError(reply, call, error, msgpack, declared);
  }
  if (isPromiseLike(result)) {
    // Promise.resolve: the dispatcher's own promise as is; any other thenable (an odd output) adopted safely.
    Promise.resolve(result).then(
      (output) => replyOutput(ctx, target, reply, call, output, msgpack),
      (error: unknown) => replyError(reply, call, error, msgpack, declared),
    );
  } else {
    replyOutput(ctx, target, reply, call, result, msgpack);
  }
}

function replyOutput(ctx: CallRoutesContext, target: Target, reply: FastifyReply, call: TrackedCall, output: unknown, msgpack: boolean): void {
  try {
    if (call.shutdown) sendError(reply, call.overrideError()!, msgpack);
    else sendOutput(reply, output, msgpack, target.encodeJson);
  } catch (error) {
    // Output that cannot be encoded (a cycle, a BigInt with validation off): the handler's fault.
    ctx.dispatcher.logger.error({ err: error, call: `${target.service}.v${target.version ?? '?'}.${target.name}` }, 'could not encode the output');
    sendError(reply, new AccordError('INTERNAL', 'internal error'), msgpack);
  }
  call.release();
}

function replyError(reply: FastifyReply, call: TrackedCall, error: unknown, msgpack: boolean, declared: ErrorMap | undefined): void {
  sendError(reply, call.overrideError() ?? toAccordError(error), msgpack, declared);
  call.release();
}

export function registerCallRoutes(app: FastifyInstance, ctx: CallRoutesContext): void {
  const services = ctx.dispatcher.services;
  const highest = new Map<string, ServiceContract>();
  for (const s of services) {
    const current = highest.get(s.name);
    if (!current || current.version < s.version) highest.set(s.name, s);
  }

  // RPC routes: one static route per method and version, plus the unversioned alias.
  for (const service of services) {
    for (const name of Object.keys(service.methods)) {
      const target = targetOf(service, name);
      const handler = (req: FastifyRequest, reply: FastifyReply) => handle(ctx, target, req, reply, bodyInput);
      app.post(`/rpc/${service.name}/v${service.version}/${name}`, handler);
      if (highest.get(service.name) === service) app.post(`/rpc/${service.name}/${name}`, handler);
    }
  }
  // Unversioned calls to a method only an older version has: the highest version answers (UNIMPLEMENTED).
  // Unknown services, versions and methods reach the dispatcher too, so the error is the same on every transport.
  const fallback = (service: string, version: string | undefined, method: string, req: FastifyRequest, reply: FastifyReply) => {
    const msgpack = wantsMsgpack(req.headers);
    let v: number | undefined;
    if (version !== undefined) {
      const match = /^v([1-9][0-9]*)$/.exec(version);
      if (!match) return sendError(reply, new AccordError('UNIMPLEMENTED', `no RPC method at POST ${req.url}: versions look like v2`), msgpack);
      v = Number(match[1]);
    }
    // A method another node serves (the mesh, NATS): this server is a gateway to it.
    const routed = ctx.dispatcher.findRouted(service, v, method);
    if (routed) {
      return handle(ctx, { service, version: v, name: method, kind: routed.kind, errors: undefined, encodeJson }, req, reply, bodyInput);
    }
    let resolved: ReturnType<Dispatcher['resolve']> | undefined;
    try {
      resolved = ctx.dispatcher.resolve(service, v, method);
    } catch {
      // Not served: the dispatcher refuses it (UNIMPLEMENTED, as on every transport) and counts it.
      return handle(ctx, { service, version: v, name: method, kind: 'unary', errors: undefined, encodeJson }, req, reply, bodyInput);
    }
    handle(ctx, targetOf(resolved.service, resolved.name), req, reply, bodyInput);
  };
  app.post('/rpc/:service/:method', (req, reply) => {
    const p = req.params as Record<string, string>;
    fallback(p.service, undefined, p.method, req, reply);
  });
  app.post('/rpc/:service/:version/:method', (req, reply) => {
    const p = req.params as Record<string, string>;
    fallback(p.service, p.version, p.method, req, reply);
  });

  // REST routes from the contracts.
  const taken = new Map<string, string>();
  for (const service of services) {
    for (const name of Object.keys(service.methods)) {
      const method = service.methods[name];
      if (!method.route) continue;
      const url = method.route.path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
      const key = `${method.route.verb} ${url.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, ':')}`;
      const owner = `${serviceKey(service)}.${name}`;
      const previous = taken.get(key);
      if (previous) throw new Error(`HTTP route ${method.route.verb} ${method.route.path} is declared by both ${previous} and ${owner}`);
      taken.set(key, owner);
      const target = targetOf(service, name);
      const mapping: RestInput = restInput(method.route, method);
      const inputOf: InputOf = (req) => mapping.build(req.params as Record<string, string>, req.query as Record<string, unknown>, req.body);
      app.route({ method: method.route.verb, url, handler: (req, reply) => handle(ctx, target, req, reply, inputOf) });
    }
  }
}
