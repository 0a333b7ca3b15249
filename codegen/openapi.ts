/**
 * `generated/openapi.json` (OpenAPI 3.1.0). Every method gets an RPC operation
 * (`POST /rpc/<service>/<method>` for the latest version, `POST /rpc/<service>/v<N>/<method>` for
 * older ones), plus a REST operation where the contract declares a route. Error responses use the
 * same status table as the server (FRAMEWORK_STATUS). Named schemas go to components/schemas.
 */
import { createHash } from 'node:crypto';
import { objectShape, serviceKey, type MethodContract, type SecurityScheme, type ServiceContract } from '../runtime/contract/index.js';
import { FRAMEWORK_STATUS } from '../runtime/core/errors.js';
import { canonicalJson } from './canonical-json.js';
import { JSON_GENERATED_NOTE } from './file-header.js';
import { toJsonSchema, type Io, type JsonSchema } from './json-schema.js';

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

/** Converts message schemas, collecting named schemas for components (see `finish`). */
class SchemaCollector {
  readonly defs = new Map<string, { input?: JsonSchema; output?: JsonSchema }>();

  convert(schema: Parameters<typeof toJsonSchema>[0], io: Io): JsonSchema {
    const { $schema: _drop, $defs, ...rest } = toJsonSchema(schema, io) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    for (const [id, def] of Object.entries($defs ?? {})) {
      const entry = this.defs.get(id) ?? {};
      entry[io] = rewriteRefs(def, io) as JsonSchema;
      this.defs.set(id, entry);
    }
    return rewriteRefs(rest, io) as JsonSchema;
  }

  /** Input-side defs that equal their output side share the name; others are called `<id>Input`. */
  inputName(id: string): string {
    const entry = this.defs.get(id)!;
    if (!entry.output) return id;
    return canonicalJson(resolveInputRefs(entry.input, this)) === canonicalJson(entry.output) ? id : `${id}Input`;
  }

  components(): Record<string, JsonSchema> {
    const out: Record<string, JsonSchema> = {};
    for (const [id, entry] of this.defs) {
      if (entry.output) out[id] = entry.output;
      if (entry.input && this.inputName(id) !== id) out[`${id}Input`] = entry.input;
      else if (entry.input && !entry.output) out[id] = entry.input;
    }
    return out;
  }
}

const INPUT_REF = '#/components/schemas/@input/';

/** `#/$defs/X` → `#/components/schemas/X` (output) or a placeholder for input refs, settled at the end. */
function rewriteRefs(value: unknown, io: Io): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, io));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
      ? `${io === 'input' ? INPUT_REF : '#/components/schemas/'}${v.slice('#/$defs/'.length)}`
      : rewriteRefs(v, io);
  }
  return out;
}

function resolveInputRefs(value: unknown, collector: SchemaCollector): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveInputRefs(v, collector));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof v === 'string' && v.startsWith(INPUT_REF)
      ? `#/components/schemas/${v.slice(INPUT_REF.length)}`
      : resolveInputRefs(v, collector);
  }
  return out;
}

function settleInputRefs(value: unknown, collector: SchemaCollector): unknown {
  if (Array.isArray(value)) return value.map((v) => settleInputRefs(v, collector));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof v === 'string' && v.startsWith(INPUT_REF)
      ? `#/components/schemas/${collector.inputName(v.slice(INPUT_REF.length))}`
      : settleInputRefs(v, collector);
  }
  return out;
}

export function buildOpenApi(services: ServiceContract[]): Doc {
  const collector = new SchemaCollector();
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
      const security = method.auth ? { security: method.auth.schemes.map((s) => ({ [s]: method.auth!.scopes })) } : {};

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
        const object = resolveObject(input, collector);
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

  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((p) => [p, sortVerbs(paths[p])]));
  const components = {
    schemas: sortObject({ ...collector.components(), ...frameworkSchemas() }),
    ...(hasSchemes(services) ? { securitySchemes: securitySchemes(services) } : {}),
  };
  const body = settleInputRefs({ paths: sortedPaths, components }, collector) as Doc;
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
    tags: [...tags].sort().map((name) => ({ name })),
    ...body,
  };
}

function resolveObject(schema: JsonSchema, collector: SchemaCollector): JsonSchema | undefined {
  const ref = schema.$ref as string | undefined;
  if (ref?.startsWith(INPUT_REF)) return collector.defs.get(ref.slice(INPUT_REF.length))?.input;
  return schema.type === 'object' ? schema : undefined;
}

function describe(schema: JsonSchema | undefined): Doc {
  return typeof schema?.description === 'string' ? { description: schema.description } : {};
}

function buildResponses(method: MethodContract, collector: SchemaCollector): Doc {
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

function errorEnvelope(code: string, data: JsonSchema | undefined): JsonSchema {
  return {
    type: 'object',
    properties: { code: { type: 'string', const: code }, message: { type: 'string' }, ...(data ? { data } : {}) },
    required: data ? ['code', 'message', 'data'] : ['code', 'message'],
  };
}

function frameworkSchemas(): Record<string, JsonSchema> {
  return {
    AccordError: {
      type: 'object',
      description: 'The error envelope on every transport: a code (framework or contract), a message and optional data.',
      properties: {
        code: { type: 'string', enum: Object.keys(FRAMEWORK_STATUS).sort() },
        message: { type: 'string' },
        data: {},
      },
      required: ['code', 'message'],
    },
    AccordInvalidArgument: {
      type: 'object',
      description: 'INVALID_ARGUMENT: the input failed validation; `data.issues` lists each problem with its field path.',
      properties: {
        code: { type: 'string', const: 'INVALID_ARGUMENT' },
        message: { type: 'string' },
        data: {
          type: 'object',
          properties: {
            issues: {
              type: 'array',
              items: {
                type: 'object',
                properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } },
                required: ['path', 'message'],
              },
            },
          },
          required: ['issues'],
        },
      },
      required: ['code', 'message', 'data'],
    },
  };
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
