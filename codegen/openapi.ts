/**
 * `generated/openapi.json` (OpenAPI 3.1.0). Every method gets an RPC operation
 * (`POST /rpc/<service>/<method>` for the latest version, `POST /rpc/<service>/v<N>/<method>` for
 * older ones), plus a REST operation where the contract declares a route, and every event a `GET`
 * Server-Sent Events operation (openapi-events.ts). Error responses use the
 * same status table as the server (FRAMEWORK_STATUS). Named schemas go to components/schemas.
 * Lint-clean for `redocly lint` (recommended) and `spectral lint` (spectral:oas): every operation
 * states its security (`[]` when public), tags carry their service's description, and `servers`
 * is a relative `/` unless the caller passes its own.
 */
import { createHash } from 'node:crypto';
import { objectShape, serviceKey, type MethodContract, type SecurityScheme, type ServiceContract } from '../runtime/contract/index.js';
import { FRAMEWORK_STATUS } from '../runtime/core/errors.js';
import { canonicalJson } from './canonical-json.js';
import { JSON_GENERATED_NOTE } from './file-header.js';
import type { JsonSchema } from './json-schema.js';
import { SchemaComponents } from './schema-components.js';
import { errorEnvelope, frameworkSchemas } from './error-schemas.js';
import { eventOperations } from './openapi-events.js';

const BODY_TYPES = ['application/json', 'application/msgpack'] as const;

/** Framework errors any call can meet, with the reason shown in the document. */
const ALWAYS: Array<[code: keyof typeof FRAMEWORK_STATUS, why: string]> = [
  ['INVALID_ARGUMENT', 'the input does not match the contract'],
  ['PAYLOAD_TOO_LARGE', 'the request body is over the server limit'],
  ['RESOURCE_EXHAUSTED', 'too many calls in flight or queued'],
  ['INTERNAL', 'the handler failed'],
  ['UNAVAILABLE', 'the server is shutting down or overloaded'],
  ['DEADLINE_EXCEEDED', 'the deadline passed before the handler finished'],
];
const WITH_AUTH: Array<[code: keyof typeof FRAMEWORK_STATUS, why: string]> = [
  ['UNAUTHENTICATED', 'missing or invalid credentials'],
  ['PERMISSION_DENIED', 'the credentials lack a required scope'],
];

export const SSE_DESCRIPTION = [
  'A server stream as Server-Sent Events. Each item is `event: item` with `data: <item as JSON>`;',
  'the stream ends with `event: end`. An error after the stream started is `event: error` with',
  '`data: {"code", "message", "data"}` (the AccordError envelope), after which the server closes it.',
].join(' ');

type Doc = Record<string, unknown>;

export interface OpenApiOptions {
  /**
   * The document's `servers`. Default: a relative `/`, the host that serves the document, which is
   * right for `/openapi.json` on an Accord server; a deployment can list its public URLs instead.
   */
  servers?: Array<{ url: string; description?: string }>;
}

export const DEFAULT_SERVERS = [{ url: '/', description: 'The Accord server that serves this document' }];

export function buildOpenApi(services: ServiceContract[], options: OpenApiOptions = {}): Doc {
  const collector = new SchemaComponents('draft-2020-12');
  const latest = new Map<string, number>();
  for (const s of services) latest.set(s.name, Math.max(latest.get(s.name) ?? 0, s.version));

  const paths: Record<string, Record<string, Doc>> = {};
  const tags = new Set<string>();
  const addOperation = (path: string, verb: string, operation: Doc, where: string): void => {
    const item = (paths[path] ??= {});
    if (item[verb]) throw new Error(`${where}: ${verb.toUpperCase()} ${path} is already the path of ${item[verb].operationId}`);
    item[verb] = operation;
  };

  for (const service of services) {
    for (const [name, method] of Object.entries(service.methods)) {
      const where = `${service.definedIn}: service '${serviceKey(service)}' method '${name}'`;
      const operationTags = method.tags.length ? method.tags : [service.name];
      operationTags.forEach((t) => tags.add(t));
      const common = (suffix: string): Doc => ({
        operationId: `${serviceKey(service)}.${name}${suffix}`,
        tags: operationTags,
        summary: method.summary ?? `${service.name} v${service.version} ${name}`,
        ...(method.description ? { description: method.description } : {}),
        ...(method.deprecated ? { deprecated: true } : {}),
      });
      const input = collector.convert(method.input, 'input');
      const responses = buildResponses(method, collector);
      // Public operations say so (`security: []`): linters cannot tell a forgotten requirement from none.
      const security = { security: method.auth ? method.auth.schemes.map((s) => ({ [s]: method.auth!.scopes })) : [] };

      const rpcPath = latest.get(service.name) === service.version
        ? `/rpc/${service.name}/${name}`
        : `/rpc/${service.name}/v${service.version}/${name}`;
      addOperation(rpcPath, 'post', {
        ...common(''),
        requestBody: { required: true, content: Object.fromEntries(BODY_TYPES.map((t) => [t, { schema: input }])) },
        responses,
        ...security,
      }, where);

      if (method.route) {
        const { verb, path, params } = method.route;
        const shape = objectShape(method.input);
        const object = collector.inputObject(input);
        if (!shape || !object) throw new Error(`${where}: a route needs an object input`);
        const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
        const required = new Set((object.required ?? []) as string[]);
        const rest = Object.keys(properties).filter((k) => !params.includes(k));
        const parameters: Doc[] = params.map((p) => ({ name: p, in: 'path', required: true, schema: properties[p] }));
        let requestBody: Doc | undefined;
        if (verb === 'GET' || verb === 'DELETE') {
          for (const k of rest) parameters.push({ name: k, in: 'query', required: required.has(k), schema: properties[k], ...describe(properties[k]) });
        } else if (rest.length > 0) {
          const bodySchema: JsonSchema = { type: 'object', properties: Object.fromEntries(rest.map((k) => [k, properties[k]])) };
          const bodyRequired = rest.filter((k) => required.has(k));
          if (bodyRequired.length) bodySchema.required = bodyRequired;
          if (object.additionalProperties !== undefined) bodySchema.additionalProperties = object.additionalProperties;
          requestBody = { required: true, content: Object.fromEntries(BODY_TYPES.map((t) => [t, { schema: bodySchema }])) };
        }
        addOperation(path, verb.toLowerCase(), {
          ...common('.rest'),
          ...(parameters.length ? { parameters } : {}),
          ...(requestBody ? { requestBody } : {}),
          responses,
          ...security,
        }, where);
      }
    }
  }

  for (const { path, operation, tag } of eventOperations(services, latest, collector)) {
    tags.add(tag);
    addOperation(path, 'get', operation, `${path}`);
  }

  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((p) => [p, sortVerbs(paths[p])]));
  const components = {
    schemas: sortObject({ ...collector.components(), ...frameworkSchemas() }),
    ...(hasSchemes(services) ? { securitySchemes: securitySchemes(services) } : {}),
  };
  const body = collector.settle({ paths: sortedPaths, components }) as Doc;
  const fingerprint = createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 12);
  return {
    openapi: '3.1.0',
    'x-generated': JSON_GENERATED_NOTE,
    info: {
      title: 'Accord services',
      version: fingerprint,
      description: [
        `Services: ${services.map(serviceKey).join(', ')}.`,
        'Every method is served at `POST /rpc/<service>/<method>` (latest version) and `POST /rpc/<service>/v<N>/<method>` (every version; this document lists the versioned form for older versions only), with a JSON or MessagePack body.',
        'Methods with a route are also served at that REST path. Errors are `{ code, message, data }`.',
        '`info.version` is a fingerprint of this document.',
      ].join(' '),
    },
    servers: options.servers ?? DEFAULT_SERVERS,
    tags: [...tags].sort().map((name) => ({ name, description: tagDescription(name, services) })),
    ...body,
  };
}

/**
 * A tag's description: the description of the service version whose methods carry it, or of each
 * such version (`users v1: …. users v2: …`) when several do.
 */
function tagDescription(tag: string, services: ServiceContract[]): string {
  const carriers = services.filter((s) => Object.values(s.methods).some((m) => (m.tags.length ? m.tags : [s.name]).includes(tag)));
  const describe = (s: ServiceContract): string => s.description ?? `Operations of ${s.name} v${s.version}.`;
  if (carriers.length === 1) return describe(carriers[0]);
  return carriers.map((s) => `${s.name} v${s.version}: ${describe(s)}`).join(' ');
}

function describe(schema: JsonSchema | undefined): Doc {
  return typeof schema?.description === 'string' ? { description: schema.description } : {};
}

function buildResponses(method: MethodContract, collector: SchemaComponents): Doc {
  const output = collector.convert(method.output, 'output');
  const responses: Record<string, Doc> = {
    '200': method.kind === 'stream'
      ? { description: SSE_DESCRIPTION, content: { 'text/event-stream': { schema: output } } }
      : { description: 'The result', content: Object.fromEntries(BODY_TYPES.map((t) => [t, { schema: output }])) },
  };
  const byStatus = new Map<number, Array<{ code: string; why: string; schema: JsonSchema }>>();
  const add = (status: number, code: string, why: string, schema: JsonSchema): void => {
    byStatus.set(status, [...(byStatus.get(status) ?? []), { code, why, schema }]);
  };
  for (const code of Object.keys(method.errors).sort()) {
    const spec = method.errors[code];
    const data = spec.data ? collector.convert(spec.data, 'output') : undefined;
    add(spec.status, code, spec.description ?? code, errorEnvelope(code, data));
  }
  const declared = new Set(Object.keys(method.errors));
  for (const [code, why] of [...ALWAYS, ...(method.auth ? WITH_AUTH : [])]) {
    if (declared.has(code)) continue;
    const ref = code === 'INVALID_ARGUMENT' ? 'AccordInvalidArgument' : 'AccordError';
    add(FRAMEWORK_STATUS[code], code, why, { $ref: `#/components/schemas/${ref}` });
  }
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const entries = byStatus.get(status)!;
    const schema = entries.length === 1 ? entries[0].schema : { oneOf: entries.map((e) => e.schema) };
    responses[String(status)] = {
      description: entries.map((e) => `${e.code}: ${e.why}`).join('; '),
      content: { 'application/json': { schema } },
    };
  }
  return responses;
}

function hasSchemes(services: ServiceContract[]): boolean {
  return services.some((s) => Object.keys(s.securitySchemes).length > 0);
}

/** The services' security schemes; one name must mean one scheme across all services. */
export function securitySchemes(services: ServiceContract[]): Record<string, Doc> {
  const seen = new Map<string, { scheme: SecurityScheme; by: ServiceContract }>();
  for (const service of services) {
    for (const [name, scheme] of Object.entries(service.securitySchemes)) {
      const known = seen.get(name);
      if (known && canonicalJson(known.scheme) !== canonicalJson(scheme)) {
        throw new Error(
          `${service.definedIn}: service '${serviceKey(service)}' declares security scheme '${name}' differently from ` +
            `service '${serviceKey(known.by)}' (${known.by.definedIn}); one name must mean one scheme in the OpenAPI document`,
        );
      }
      if (!known) seen.set(name, { scheme, by: service });
    }
  }
  const out: Record<string, Doc> = {};
  for (const name of [...seen.keys()].sort()) {
    const { scheme } = seen.get(name)!;
    const description = scheme.description ? { description: scheme.description } : {};
    out[name] = scheme.type === 'bearer'
      ? { type: 'http', scheme: 'bearer', ...(scheme.format ? { bearerFormat: scheme.format } : {}), ...description }
      : { type: 'apiKey', in: 'header', name: scheme.name, ...description };
  }
  return out;
}

const VERB_ORDER = ['get', 'put', 'post', 'delete', 'patch'];
function sortVerbs(item: Record<string, Doc>): Record<string, Doc> {
  return Object.fromEntries(Object.keys(item).sort((a, b) => VERB_ORDER.indexOf(a) - VERB_ORDER.indexOf(b)).map((k) => [k, item[k]]));
}

function sortObject<T>(value: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, value[k]]));
}
