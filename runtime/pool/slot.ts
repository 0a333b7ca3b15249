/**
 * The pool's records: a call from submission until its worker is done with it, a worker with the
 * calls and nested calls it holds, and a generation (the workers started together by a start or
 * a reload, all running the same code).
 */
import type { Worker } from 'node:worker_threads';
import type { ContextData, ContextHooks } from '../core/context.js';
import { Outbox } from './outbox.js';
import type { CallKind, ServiceInfo, TaskInfo } from './protocol.js';
import type { StreamInbox } from '../core/stream-inbox.js';
import type { StreamSender } from '../core/stream-sender.js';

/**
 * One call (or task run) from submission until the worker confirms it is over. It settles once:
 * the first of its answer, its error and its abort reason wins (the others may still arrive).
 */
export class PoolCall {
  slot: Slot | undefined = undefined;
  queued = false;
  /** The caller has its answer (result, error, or the abort reason). */
  settled = false;
  /** Aborted while a worker runs it: waiting for the worker to confirm, at most abortGraceMs. */
  abandoned = false;
  resolve: ((value: unknown) => void) | undefined = undefined;
  reject: ((error: unknown) => void) | undefined = undefined;
  inbox: StreamInbox | undefined = undefined;
  removeAbort: (() => void) | undefined = undefined;
  grace: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    readonly id: number,
    readonly kind: CallKind,
    readonly name: string,
    readonly input: unknown,
    readonly ctx: ContextData,
    readonly hooks: ContextHooks | undefined,
  ) {}

  settleValue(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.removeAbort?.();
    this.resolve!(value);
  }

  settleError(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.removeAbort?.();
    if (this.inbox) this.inbox.end(error);
    else this.reject!(error);
  }

  /** A stream call's worker ended the stream without an error. */
  settleEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.removeAbort?.();
    this.inbox?.end();
  }
}

/** A nested call or stream the main thread serves for a worker's handler. */
export interface HookRun {
  controller: AbortController;
  pump?: StreamSender;
}

export type SlotState = 'starting' | 'ready' | 'draining' | 'gone';

export class Slot {
  state: SlotState = 'starting';
  readonly calls = new Map<number, PoolCall>();
  readonly hookRuns = new Map<number, HookRun>();
  /** Calls aborted and not yet confirmed by the worker. */
  overdue = 0;
  startTimer: ReturnType<typeof setTimeout> | undefined;
  readonly outbox: Outbox;
  readonly threadId: number;

  constructor(readonly worker: Worker, readonly generation: Generation, onUnsendable: (slot: Slot, message: unknown[], error: unknown) => unknown[] | undefined) {
    this.threadId = worker.threadId;
    this.outbox = new Outbox(worker, (message, error) => onUnsendable(this, message, error));
  }
}

export class Generation {
  readonly slots = new Set<Slot>();
  tasks: TaskInfo[] = [];
  services: ServiceInfo[] = [];
  failed: Error | undefined;
  /** Settles when the first `threads` workers have all loaded (rejects on the first that cannot). */
  readonly started: Promise<void>;
  resolveStarted!: () => void;
  rejectStarted!: (error: Error) => void;
  pendingStarts: number;
  isStarted = false;
  crashes: number[] = [];

  constructor(readonly id: number, threads: number) {
    this.pendingStarts = threads;
    this.started = new Promise<void>((resolve, reject) => {
      this.resolveStarted = resolve;
      this.rejectStarted = reject;
    });
    this.started.catch(() => undefined);
  }
}
