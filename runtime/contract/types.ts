/**
 * The shapes of a contract: plain data plus zod schemas. No handler code, no transport detail
 * beyond the optional HTTP route, so a browser bundle can import a contract if it wants to.
 */
import type { z } from 'zod';

export type Schema = z.ZodType;

/** Where a method's handler runs: a worker thread from the pool (default) or the I/O thread. */
export type RunsOn = 'pool' | 'inline';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRoute {
  verb: HttpVerb;
  /** OpenAPI-style path, e.g. `/users/{id}`. */
  path: string;
  /** Names of the `{params}` in `path`, in order. */
  params: string[];
}

/** A contract-declared error: its own code, the HTTP status it maps to, and typed data. */
export interface ErrorSpec<D extends Schema | undefined = Schema | undefined> {
  status: number;
  description?: string;
  data?: D;
}

export type ErrorMap = Record<string, ErrorSpec>;

export interface SecuritySchemeBearer {
  type: 'bearer';
  description?: string;
  /** Informational, e.g. 'JWT' (goes into OpenAPI `bearerFormat`). */
  format?: string;
}

export interface SecuritySchemeApiKey {
  type: 'apiKey';
  /** Where the key travels. Only headers: query keys leak into logs. */
  in: 'header';
  /** Header name, e.g. `x-api-key`. */
  name: string;
  description?: string;
}

export type SecurityScheme = SecuritySchemeBearer | SecuritySchemeApiKey;

/** A method's auth requirement after normalization: any one of `schemes`, plus every scope in `scopes`. */
export interface AuthRequirement {
  schemes: string[];
  scopes: string[];
}

/** How a contract author writes an auth requirement: a scheme name, or schemes and scopes. */
export type AuthSpec = string | { scheme: string | string[]; scopes?: string[] };

interface MethodOptionsBase<I extends Schema, O extends Schema, E extends ErrorMap> {
  input: I;
  output: O;
  errors?: E;
  /** e.g. `GET /users/{id}`; path params must be fields of the input object. */
  route?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  /** Default deadline for a call when the caller sets none. */
  timeoutMs?: number;
  /** Safe to retry: the client retries it on UNAVAILABLE with backoff. */
  idempotent?: boolean;
  auth?: AuthSpec;
  runs?: RunsOn;
}

export type UnaryOptions<I extends Schema, O extends Schema, E extends ErrorMap> = MethodOptionsBase<I, O, E>;
/** `output` is the schema of one streamed item. */
export type StreamOptions<I extends Schema, O extends Schema, E extends ErrorMap> = MethodOptionsBase<I, O, E>;

export interface MethodContract<
  K extends 'unary' | 'stream' = 'unary' | 'stream',
  I extends Schema = Schema,
  O extends Schema = Schema,
  E extends ErrorMap = ErrorMap,
> {
  readonly kind: K;
  readonly input: I;
  readonly output: O;
  readonly errors: E;
  readonly route?: HttpRoute;
  readonly summary?: string;
  readonly description?: string;
  readonly tags: string[];
  readonly deprecated: boolean;
  readonly timeoutMs?: number;
  readonly idempotent: boolean;
  readonly auth?: AuthRequirement;
  readonly runs: RunsOn;
}

export type UnaryMethod<I extends Schema = Schema, O extends Schema = Schema, E extends ErrorMap = ErrorMap> =
  MethodContract<'unary', I, O, E>;
export type StreamMethod<I extends Schema = Schema, O extends Schema = Schema, E extends ErrorMap = ErrorMap> =
  MethodContract<'stream', I, O, E>;

export interface EventContract<D extends Schema = Schema> {
  readonly kind: 'event';
  readonly data: D;
  readonly description?: string;
  /** Who may subscribe, checked like a method's `auth` (undefined: anyone). */
  readonly auth?: AuthRequirement;
}

export type MethodMap = Record<string, MethodContract>;
export type EventMap = Record<string, EventContract>;

export interface ServiceOptions<M extends MethodMap, V extends EventMap> {
  name: string;
  version: number;
  description?: string;
  methods: M;
  events?: V;
  securitySchemes?: Record<string, SecurityScheme>;
}

export interface ServiceContract<M extends MethodMap = MethodMap, V extends EventMap = EventMap> {
  readonly kind: 'service';
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  readonly methods: M;
  readonly events: V;
  readonly securitySchemes: Record<string, SecurityScheme>;
  /** The module that defined it (from the call stack), for error messages. */
  readonly definedIn: string;
}

/** `users.v2`: how a service version is named in messages, subjects and manifests. */
export function serviceKey(s: { name: string; version: number }): string {
  return `${s.name}.v${s.version}`;
}
