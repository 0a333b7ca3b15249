/**
 * Options of the JetStream task store, checked once when the store is built (a typo stops
 * `accord serve` before it connects), with their defaults (docs/nats.md, "Durable tasks").
 */
import { checkOptionNames, CONNECT_OPTION_NAMES, type NatsConnectOptions } from './connection.js';
import { checkPrefix, checkToken, DEFAULT_PREFIX } from './subjects.js';

export interface NatsTaskStoreOptions extends NatsConnectOptions {
  /** First subject token(s), as the transport's `prefix` (default 'accord'): runs travel on `<prefix>._tasks.*`. */
  prefix?: string;
  /** The JetStream stream that holds the runs (default: `ACCORD_TASKS` for prefix `accord`). Created when missing. */
  stream?: string;
  /** Base name of the durable consumers: `<durable>_due`, and `<durable>_run_<task>` per task (default 'accord_tasks'). */
  durable?: string;
  /** Attempts of a run, the first included; after the last failed one the run is dead (default 3). */
  maxDeliver?: number;
  /** Wait before the 2nd, 3rd, ... attempt; the last value repeats (default [1 000, 10 000, 60 000] ms). */
  backoffMs?: number[];
  /** How long NATS waits for an answer before it hands a run to another process; running runs renew it (default 30 000 ms). */
  ackWaitMs?: number;
  /** JetStream's duplicate window: scheduling and cron ticks are deduplicated within it (default 120 000 ms; above ackWaitMs). */
  duplicateWindowMs?: number;
  /** Runs of one task this process takes at once (default 8). */
  concurrency?: number;
  /** Publish dead runs to `<prefix>._tasks.dead.<task>`, kept in the stream (default true). */
  deadLetter?: boolean;
  /** `deployment`: one run per cron tick across every process (default); `process`: each process runs its own ticks. */
  cron?: 'deployment' | 'process';
  /** Replicas of the stream when it is created (default 1). */
  replicas?: number;
  /** On close, how long runs in flight may finish before they are handed back to NATS (default 5 000 ms). */
  closeGraceMs?: number;
}

export interface TaskStoreSettings {
  prefix: string;
  stream: string;
  durable: string;
  maxDeliver: number;
  backoffMs: number[];
  ackWaitMs: number;
  duplicateWindowMs: number;
  concurrency: number;
  deadLetter: boolean;
  cron: 'deployment' | 'process';
  replicas: number;
  closeGraceMs: number;
}

const OWN_OPTIONS = [
  'prefix', 'stream', 'durable', 'maxDeliver', 'backoffMs', 'ackWaitMs', 'duplicateWindowMs', 'concurrency', 'deadLetter', 'cron',
  'replicas', 'closeGraceMs',
] as const;

/** The option names the store takes besides the connection's (for config checks). */
export const TASK_STORE_OPTION_NAMES: readonly string[] = OWN_OPTIONS;

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Checked settings with defaults; a TypeError names the bad option (`where` says where it was written). */
export function taskStoreSettings(options: NatsTaskStoreOptions, where: string): TaskStoreSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where} must be an options object`);
  checkOptionNames(options, OWN_OPTIONS, where);
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX, `${where}.prefix`);
  const stream = options.stream ?? `${prefix.replace(/\./g, '_').toUpperCase()}_TASKS`;
  if (typeof stream !== 'string' || !STREAM_NAME.test(stream)) throw new TypeError(`${where}.stream must be 1-64 letters, digits, '_' or '-', got ${JSON.stringify(stream)}`);
  const ackWaitMs = positive(options.ackWaitMs ?? 30_000, `${where}.ackWaitMs`, 1_000);
  const duplicateWindowMs = positive(options.duplicateWindowMs ?? Math.max(120_000, 4 * ackWaitMs), `${where}.duplicateWindowMs`, 1_000);
  // The due consumer moves a run again after an ack it lost; the window must still remember the first move.
  if (duplicateWindowMs <= ackWaitMs) throw new TypeError(`${where}.duplicateWindowMs (${duplicateWindowMs}) must be longer than ackWaitMs (${ackWaitMs})`);
  const backoffMs = options.backoffMs ?? [1_000, 10_000, 60_000];
  if (!Array.isArray(backoffMs) || backoffMs.length === 0) throw new TypeError(`${where}.backoffMs must be a non-empty list of milliseconds`);
  backoffMs.forEach((ms, i) => positive(ms, `${where}.backoffMs[${i}]`, 0));
  const cron = options.cron ?? 'deployment';
  if (cron !== 'deployment' && cron !== 'process') throw new TypeError(`${where}.cron must be 'deployment' or 'process', got ${JSON.stringify(cron)}`);
  if (options.deadLetter !== undefined && typeof options.deadLetter !== 'boolean') throw new TypeError(`${where}.deadLetter must be true or false`);
  return {
    prefix,
    stream,
    durable: checkToken(options.durable ?? 'accord_tasks', `${where}.durable`),
    maxDeliver: integer(options.maxDeliver ?? 3, `${where}.maxDeliver`, 1),
    backoffMs,
    ackWaitMs,
    duplicateWindowMs,
    concurrency: integer(options.concurrency ?? 8, `${where}.concurrency`, 1),
    deadLetter: options.deadLetter ?? true,
    cron,
    replicas: integer(options.replicas ?? 1, `${where}.replicas`, 1),
    closeGraceMs: positive(options.closeGraceMs ?? 5_000, `${where}.closeGraceMs`, 0),
  };
}

/** The connection options among `options` (what the store passes to nats.js). */
export function connectionOf(options: object): NatsConnectOptions {
  return Object.fromEntries(Object.entries(options).filter(([key]) => (CONNECT_OPTION_NAMES as readonly string[]).includes(key))) as NatsConnectOptions;
}

/**
 * The store options a deploy config means: the connection and subject prefix of `transports.nats`
 * (when it is configured), overridden by the `tasks` section (which may name its own servers).
 */
export function taskStoreOptionsOf(transport: object | undefined, tasks: object): NatsTaskStoreOptions {
  const inherited: NatsTaskStoreOptions = transport ? connectionOf(transport) : {};
  const prefix = (transport as { prefix?: unknown } | undefined)?.prefix;
  if (typeof prefix === 'string') inherited.prefix = prefix;
  return { ...inherited, ...tasks };
}

/** The wait before attempt `attempt + 1`, after `attempt` failed ones. */
export function retryDelay(settings: TaskStoreSettings, attempt: number): number {
  const list = settings.backoffMs;
  return list[Math.min(attempt, list.length) - 1] ?? list[0]!;
}

function positive(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw new TypeError(`${field} must be a number of milliseconds of at least ${min}, got ${JSON.stringify(value)}`);
  return value;
}

function integer(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new TypeError(`${field} must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  return value;
}
