/**
 * The subjects and messages of durable task runs in JetStream (docs/nats.md, "Durable tasks").
 *
 *   <prefix>._tasks.due.<task>    a run waiting for its due time (the due consumer naks it until then)
 *   <prefix>._tasks.run.<task>    a run that is due: one consumer per task takes it, runs it, acks it
 *   <prefix>._tasks.dead.<task>   a run given up after its last attempt (kept in the stream, no consumer)
 *
 * The body is the payload in MessagePack (empty: undefined); the headers name the task, the run
 * and its due time, so `nats stream view` shows what waits.
 */
import type { MsgHdrs } from '@nats-io/transport-node';
import { msgpackCodec } from '../../core/codecs.js';
import { headersOf, HEADERS, MSGPACK_TYPE, oneLine } from './wire.js';

export const TASK_HEADERS = {
  task: 'accord-task',
  /** The run id: the run's `ctx.callId`, the same on every attempt. */
  run: 'accord-task-run',
  /** When the run is due, in ms since the epoch. */
  due: 'accord-task-due',
  /** On dead letters: the last attempt's error, and how many attempts were made. */
  error: 'accord-task-error',
  attempts: 'accord-task-attempts',
} as const;

export class TaskSubjects {
  readonly root: string;

  constructor(prefix: string) {
    this.root = `${prefix}._tasks`;
  }

  /** What the stream holds. */
  get all(): string {
    return `${this.root}.>`;
  }

  get allDue(): string {
    return `${this.root}.due.>`;
  }

  due(task: string): string {
    return `${this.root}.due.${task}`;
  }

  run(task: string): string {
    return `${this.root}.run.${task}`;
  }

  dead(task: string): string {
    return `${this.root}.dead.${task}`;
  }
}

/** A run as it travels. */
export interface TaskMessage {
  task: string;
  runId: string;
  dueAt: number;
  /** The payload, encoded (kept encoded: moving a run from due to run does not decode it). */
  body: Uint8Array;
}

export function encodePayload(payload: unknown): Uint8Array {
  return payload === undefined ? new Uint8Array(0) : msgpackCodec.encode(payload);
}

export function decodePayload(body: Uint8Array): unknown {
  return body.length === 0 ? undefined : msgpackCodec.decode(body);
}

export function taskHeaders(run: TaskMessage, extra: Record<string, string> = {}): MsgHdrs {
  return headersOf({
    [TASK_HEADERS.task]: run.task,
    [TASK_HEADERS.run]: run.runId,
    [TASK_HEADERS.due]: String(run.dueAt),
    ...(run.body.length > 0 ? { [HEADERS.contentType]: MSGPACK_TYPE } : {}),
    ...extra,
  });
}

/** The headers of a dead letter: the run's, plus why and after how many attempts. */
export function deadHeaders(run: TaskMessage, attempts: number, error: unknown): MsgHdrs {
  const why = error instanceof Error ? error.message || error.name : String(error);
  return taskHeaders(run, { [TASK_HEADERS.error]: oneLine(why), [TASK_HEADERS.attempts]: String(attempts) });
}

/** The run a stored message carries, or undefined when it is not one of ours. */
export function readTaskMessage(msg: { headers?: MsgHdrs; data: Uint8Array }): TaskMessage | undefined {
  const task = msg.headers?.get(TASK_HEADERS.task);
  const runId = msg.headers?.get(TASK_HEADERS.run);
  const dueAt = Number(msg.headers?.get(TASK_HEADERS.due));
  if (!task || !runId || !Number.isFinite(dueAt)) return undefined;
  return { task, runId, dueAt, body: msg.data };
}
