/**
 * The contract language: `service()`, `unary()`, `stream()`, `event()`. Everything is checked when
 * the service is defined, so a bad contract fails at import with the file, service and method named.
 */
import type { z } from 'zod';
import { definingFile } from './callsite.js';
import { DECLARABLE_FRAMEWORK_CODES, FRAMEWORK_ERROR_CODES, ERROR_CODE, IDENTIFIER, RESERVED_METHOD_NAMES, RESERVED_SERVICE_NAMES } from './reserved.js';
import { parseRoute } from './route.js';
import { findUnsupported } from './schema-support.js';
import type {
  AuthRequirement, AuthSpec, ErrorMap, EventContract, EventMap, MethodContract, MethodMap, Schema,
  SecurityScheme, ServiceContract, ServiceOptions, StreamMethod, StreamOptions, UnaryMethod, UnaryOptions,
} from './types.js';

/** Thrown for a contract that cannot work; the message starts with `file: service method:`. */
export class ContractError extends Error {
  override name = 'ContractError';
}

const RAW = Symbol('accord.rawMethodOptions');

type PendingMethod = MethodContract & { [RAW]: UnaryOptions<Schema, Schema, ErrorMap> };

function pending(kind: 'unary' | 'stream', options: UnaryOptions<Schema, Schema, ErrorMap>): PendingMethod {
  return {
    kind,
    input: options.input,
    output: options.output,
    errors: options.errors ?? {},
    tags: options.tags ?? [],
    deprecated: options.deprecated ?? false,
    idempotent: options.idempotent ?? false,
    runs: options.runs ?? 'pool',
    [RAW]: options,
  };
}

export function unary<I extends Schema, O extends Schema, E extends ErrorMap = {}>(
  options: UnaryOptions<I, O, E>,
): UnaryMethod<I, O, E> {
  return pending('unary', options as UnaryOptions<Schema, Schema, ErrorMap>) as unknown as UnaryMethod<I, O, E>;
}

/** Server streaming: the handler is an async generator of `output` items. */
export function stream<I extends Schema, O extends Schema, E extends ErrorMap = {}>(
  options: StreamOptions<I, O, E>,
): StreamMethod<I, O, E> {
  return pending('stream', options as UnaryOptions<Schema, Schema, ErrorMap>) as unknown as StreamMethod<I, O, E>;
}

/** An event a service emits; `auth` says who may subscribe (the same forms as a method's). */
export function event<D extends Schema>(options: { data: D; description?: string; auth?: AuthSpec }): EventContract<D> {
  return { kind: 'event', data: options.data, description: options.description, auth: options.auth === undefined ? undefined : authRequirementOf(options.auth) };
}

export function service<const M extends MethodMap, const V extends EventMap = {}>(
  options: ServiceOptions<M, V>,
): ServiceContract<M, V> {
  const file = definingFile();
  const where = `${file}: service '${options?.name}'`;
  const fail = (message: string): never => {
    throw new ContractError(`${where}: ${message}`);
  };

  if (typeof options?.name !== 'string' || !IDENTIFIER.test(options.name)) {
    fail(`the service name must be a camelCase identifier (letters and digits, starting lower-case)`);
  }
  if (RESERVED_SERVICE_NAMES.has(options.name)) fail(`'${options.name}' is reserved by Accord's HTTP paths`);
  if (!Number.isInteger(options.version) || options.version < 1) fail(`version must be a positive integer, got ${String(options.version)}`);
  if (!options.methods || typeof options.methods !== 'object') fail('methods must be an object of unary()/stream() definitions');

  const schemes = options.securitySchemes ?? {};
  for (const [name, scheme] of Object.entries(schemes)) checkScheme(name, scheme, fail);

  const methods: Record<string, MethodContract> = {};
  for (const name of Object.keys(options.methods).sort()) {
    const raw = options.methods[name] as Partial<PendingMethod>;
    const at = (message: string): never => fail(`method '${name}': ${message}`);
    if (!IDENTIFIER.test(name)) at('method names must be camelCase identifiers');
    if (RESERVED_METHOD_NAMES.has(name)) at(`'${name}' is reserved (a JavaScript word or a member of generated clients)`);
    if (!raw || !raw[RAW]) at('define it with unary({...}) or stream({...})');
    methods[name] = normalizeMethod(raw as PendingMethod, schemes, at);
  }

  const events: Record<string, EventContract> = {};
  for (const name of Object.keys(options.events ?? {}).sort()) {
    const ev = (options.events as EventMap)[name];
    const at = (message: string): never => fail(`event '${name}': ${message}`);
    if (!IDENTIFIER.test(name)) at('event names must be camelCase identifiers');
    if (RESERVED_METHOD_NAMES.has(name)) at(`'${name}' is reserved`);
    if (ev?.kind !== 'event') at('define it with event({ data })');
    if (name in methods) at(`a method is also called '${name}'`);
    const problem = findUnsupported(ev.data, 'data');
    if (problem) at(problem);
    if (ev.auth) checkAuth(ev.auth, schemes, at);
    events[name] = ev;
  }

  return Object.freeze({
    kind: 'service',
    name: options.name,
    version: options.version,
    description: options.description,
    methods: methods as M,
    events: events as V,
    securitySchemes: schemes,
    definedIn: file,
  });
}

function checkScheme(name: string, scheme: SecurityScheme, fail: (m: string) => never): void {
  if (!IDENTIFIER.test(name)) fail(`security scheme '${name}' must be a camelCase identifier`);
  if (scheme?.type === 'bearer') return;
  if (scheme?.type === 'apiKey') {
    if (scheme.in !== 'header') fail(`security scheme '${name}': API keys travel in a header (in: 'header')`);
    if (!/^[a-z0-9-]+$/i.test(scheme.name ?? '')) fail(`security scheme '${name}': name must be a header name`);
    return;
  }
  fail(`security scheme '${name}' has type '${(scheme as { type?: string })?.type}'; use 'bearer' or 'apiKey'`);
}

function normalizeMethod(
  method: PendingMethod,
  schemes: Record<string, SecurityScheme>,
  at: (message: string) => never,
): MethodContract {
  const raw = method[RAW];
  if (!raw.input?._zod) at('input must be a zod schema');
  if (!raw.output?._zod) at('output must be a zod schema');
  for (const [label, schema] of [['input', raw.input], ['output', raw.output]] as const) {
    const problem = findUnsupported(schema, label);
    if (problem) at(problem);
  }
  if (raw.runs !== undefined && raw.runs !== 'pool' && raw.runs !== 'inline') at(`runs must be 'pool' or 'inline'`);
  if (raw.timeoutMs !== undefined && !(Number.isFinite(raw.timeoutMs) && raw.timeoutMs > 0)) at('timeoutMs must be a positive number');

  const errors = raw.errors ?? {};
  for (const [code, spec] of Object.entries(errors)) {
    if (!ERROR_CODE.test(code)) at(`error code '${code}' must be UPPER_SNAKE_CASE`);
    const frameworkStatus = DECLARABLE_FRAMEWORK_CODES[code];
    if (frameworkStatus === undefined && (FRAMEWORK_ERROR_CODES as readonly string[]).includes(code)) {
      at(`error code '${code}' is sent by the framework itself; pick a name of your own`);
    }
    if (!Number.isInteger(spec?.status) || spec.status < 400 || spec.status > 599) at(`error '${code}' needs an HTTP status from 400 to 599`);
    if (frameworkStatus !== undefined && spec.status !== frameworkStatus) at(`error '${code}' must keep the framework's status ${frameworkStatus}`);
    if (spec.data !== undefined) {
      const problem = spec.data._zod ? findUnsupported(spec.data, `errors.${code}.data`) : `errors.${code}.data must be a zod schema`;
      if (problem) at(problem);
    }
  }

  let route;
  if (raw.route !== undefined) {
    const parsed = parseRoute(raw.route);
    if (typeof parsed === 'string') at(parsed);
    route = parsed as Exclude<typeof parsed, string>;
    const shape = objectShape(raw.input);
    if (!shape) at(`route '${raw.route}' needs an object input (z.object) so path and query can map to its fields`);
    for (const param of route.params) {
      if (!(param in shape!)) at(`route '${raw.route}' uses path parameter '{${param}}', which is not a field of the input`);
    }
  }

  return {
    kind: method.kind,
    input: raw.input,
    output: raw.output,
    errors,
    route,
    summary: raw.summary,
    description: raw.description,
    tags: raw.tags ?? [],
    deprecated: raw.deprecated ?? false,
    timeoutMs: raw.timeoutMs,
    idempotent: raw.idempotent ?? false,
    auth: raw.auth === undefined ? undefined : normalizeAuth(raw.auth, schemes, at),
    runs: raw.runs ?? 'pool',
  };
}

function normalizeAuth(spec: AuthSpec, schemes: Record<string, SecurityScheme>, at: (m: string) => never): AuthRequirement {
  return checkAuth(authRequirementOf(spec), schemes, at);
}

/** An auth spec in its one normalized form: any of `schemes`, plus every scope. */
function authRequirementOf(spec: AuthSpec): AuthRequirement {
  const names = typeof spec === 'string' ? [spec] : Array.isArray(spec.scheme) ? spec.scheme : [spec.scheme];
  return { schemes: [...names], scopes: typeof spec === 'string' ? [] : [...(spec.scopes ?? [])] };
}

function checkAuth(requirement: AuthRequirement, schemes: Record<string, SecurityScheme>, at: (m: string) => never): AuthRequirement {
  if (requirement.schemes.length === 0) at('auth names no security scheme');
  for (const name of requirement.schemes) {
    if (!(name in schemes)) at(`auth uses security scheme '${name}', which the service does not declare in securitySchemes`);
  }
  return requirement;
}

/** The fields of an object schema (looking through optional/default wrappers), or undefined. */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let def = schema._zod.def as { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType };
  while (def.type !== 'object') {
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!next) return undefined;
    def = next._zod.def as typeof def;
  }
  return def.shape;
}
