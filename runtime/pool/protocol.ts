/**
 * Messages between the pool (main thread) and its workers. Each postMessage carries one batch: a
 * flat array `op, field, field, op, field, ...`, structured-cloned. Flat arrays with numeric ops
 * clone faster and leave less garbage than an array of message objects; for the small messages RPC
 * is made of, structured clone also measured faster than MessagePack into a transferred buffer
 * (bench/pool.ts prints both). Ids are per worker: the pool numbers calls, a worker numbers its
 * nested calls ("hooks"). The field list of each op is written next to it; readers step by ARITY.
 */
import type { OutgoingCall } from '../core/client-transport.js';
import type { ContextData } from '../core/context.js';
import { AccordError, type WireError } from '../core/errors.js';

/** main → worker */
export const TO_WORKER = {
  /** id, kind, name, input, callId, service, version, deadline, meta, auth */
  CALL: 0,
  /** id, reason (SerializedError) */
  CANCEL: 1,
  /** id, n: the stream's consumer took n more items */
  CREDIT: 2,
  /** id, value: a nested unary call's result */
  HOOK_OK: 3,
  /** id, error */
  HOOK_ERROR: 4,
  /** id, value: an item of a nested stream */
  HOOK_ITEM: 5,
  /** id, error | undefined: a nested stream ended */
  HOOK_END: 6,
} as const;
export const TO_WORKER_ARITY = [10, 2, 2, 2, 2, 2, 2];

/** worker → main */
export const TO_POOL = {
  /** id, value */
  RESULT: 0,
  /** id, error (SerializedError) */
  ERROR: 1,
  /** id, value: a stream item */
  ITEM: 2,
  /** id, error | undefined: the stream ended (also confirms a cancelled stream stopped) */
  END: 3,
  /** ctx (ParentContext), event, payload */
  EMIT: 4,
  /** level, fields, msg */
  LOG: 5,
  /** id, parent (ParentContext), call (HookCall) */
  HOOK_UNARY: 6,
  /** id, parent, call, window */
  HOOK_STREAM: 7,
  /** id */
  HOOK_CANCEL: 8,
  /** id, n */
  HOOK_CREDIT: 9,
  /** task, payload, delayMs */
  SCHEDULE: 10,
  /** services (ServiceInfo[]), tasks (TaskInfo[]) */
  READY: 11,
  /** error: the worker could not load the handler modules */
  LOAD_ERROR: 12,
} as const;
export const TO_POOL_ARITY = [2, 2, 2, 2, 3, 3, 3, 4, 1, 2, 3, 2, 1];

export const KIND = { unary: 0, stream: 1, task: 2 } as const;
export type CallKind = keyof typeof KIND;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** A nested call as it crosses the boundary: an OutgoingCall without its (uncloneable) signal. */
export type HookCall = Omit<OutgoingCall, 'signal'>;

/** The context of the handler making a nested call, with the pool's id of its call. */
export type ParentContext = ContextData & { poolId?: number };

export interface ServiceInfo {
  service: string;
  version: number;
  methods: string[];
}

export interface TaskInfo {
  name: string;
  cron?: string;
  timezone?: string;
  timeoutMs?: number;
  /** The service whose events the task may emit. */
  service?: { name: string; version: number };
}

/** What a worker is started with (its workerData). */
export interface WorkerConfig {
  /** File URLs of the handler modules. */
  modules: string[];
  generation: number;
  /** Credit window of streams, both ways. */
  streamWindow: number;
}

/**
 * An error as it crosses the boundary. AccordErrors keep code, message and data; anything else is
 * sent as `accord: false` with its name, message and stack, and becomes a plain Error again on the
 * other side (which the dispatcher logs and turns into INTERNAL, as it does for inline handlers).
 */
export interface SerializedError {
  accord: boolean;
  code?: string;
  message: string;
  data?: unknown;
  name?: string;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof AccordError) {
    const wire: WireError = error.toWire();
    return { accord: true, code: wire.code, message: wire.message, data: cloneable(wire.data) };
  }
  if (error instanceof Error) return { accord: false, name: error.name, message: error.message, stack: error.stack };
  return { accord: false, name: 'Error', message: String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.accord) return new AccordError(error.code ?? 'INTERNAL', error.message, error.data);
  const plain = new Error(error.message);
  if (error.name) plain.name = error.name;
  if (error.stack) plain.stack = error.stack;
  return plain;
}

/** `value` if structured clone accepts it, else a JSON copy (functions and symbols dropped). */
export function cloneable(value: unknown): unknown {
  if (value === undefined || value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  try {
    structuredClone(value);
    return value;
  } catch {
    try {
      return JSON.parse(JSON.stringify(value, (_k, v) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v)));
    } catch {
      return String(value);
    }
  }
}

/** Log fields are arbitrary objects: make them safe to clone (errors keep name, message, stack). */
export function cloneableLogFields(obj: unknown): unknown {
  if (typeof obj !== 'object' || obj === null) return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message, stack: v.stack, ...(v instanceof AccordError ? { code: v.code } : {}) } : cloneable(v);
  }
  return out;
}
