/**
 * The main thread's side of a worker's messages: answers and stream items settle its calls; events,
 * log lines, nested calls and task scheduling are served here; readiness and load errors go to the
 * workers' lifecycle. Also what to send instead of a message to a worker that structured clone refused.
 */
import { AccordError } from '../core/errors.js';
import type { ContextHooks } from '../core/context.js';
import { writeForwarded } from '../core/forwarding-logger.js';
import type { Dispatchers } from './dispatchers.js';
import type { PoolHandle } from './handle.js';
import {
  deserializeError, serializeError, TO_POOL, TO_POOL_ARITY, TO_WORKER,
  type HookCall, type ParentContext, type SerializedError, type ServiceInfo, type TaskInfo,
} from './protocol.js';
import { cancelServed, serveStream, serveUnary } from './serve-hooks.js';
import type { PoolCall, Slot } from './slot.js';

/** What a worker's messages need of call routing. */
export interface CallRelease {
  release(slot: Slot, call: PoolCall): void;
  readonly queued: number;
  drainQueue(): void;
}

/** What a worker's messages report to the workers' lifecycle. */
export interface WorkerEvents {
  onReady(slot: Slot, services: ServiceInfo[], tasks: TaskInfo[]): void;
  slotGone(slot: Slot, why: string, loadError?: Error): void;
}

export type TaskScheduling = Pick<PoolHandle, 'schedule'>;

export class WorkerMessages {
  readonly #calls: CallRelease;
  readonly #workers: WorkerEvents;
  readonly #dispatchers: Dispatchers;
  readonly #tasks: TaskScheduling;

  constructor(calls: CallRelease, workers: WorkerEvents, dispatchers: Dispatchers, tasks: TaskScheduling) {
    this.#calls = calls;
    this.#workers = workers;
    this.#dispatchers = dispatchers;
    this.#tasks = tasks;
  }

  onBatch(slot: Slot, batch: unknown[]): void {
    if (slot.state === 'gone') return;
    for (let i = 0; i < batch.length; i += 1 + TO_POOL_ARITY[batch[i] as number]) {
      const op = batch[i] as number;
      const a = batch[i + 1];
      switch (op) {
        case TO_POOL.RESULT:
        case TO_POOL.ERROR: {
          const call = slot.calls.get(a as number);
          if (!call) break;
          this.#calls.release(slot, call);
          if (op === TO_POOL.RESULT) call.settleValue(batch[i + 2]);
          else call.settleError(deserializeError(batch[i + 2] as SerializedError));
          break;
        }
        case TO_POOL.ITEM: {
          const call = slot.calls.get(a as number);
          if (call && !call.settled) call.inbox?.push(batch[i + 2]);
          break;
        }
        case TO_POOL.END: {
          const call = slot.calls.get(a as number);
          if (!call) break;
          this.#calls.release(slot, call);
          const error = batch[i + 2] as SerializedError | undefined;
          if (error) call.settleError(deserializeError(error));
          else call.settleEnd();
          break;
        }
        case TO_POOL.EMIT: this.#emit(slot, a as ParentContext, batch[i + 2] as string, batch[i + 3]); break;
        // A handler's record, with its bindings (service, method, callId, traceId), into the server's logger.
        case TO_POOL.LOG: writeForwarded(this.#dispatchers.logger, a as string, { ...(batch[i + 2] as object), worker: slot.threadId }, batch[i + 3] as string | undefined); break;
        case TO_POOL.HOOK_UNARY: {
          const parent = batch[i + 2] as ParentContext;
          serveUnary(slot, a as number, parent, batch[i + 3] as HookCall, this.#hooksOf(slot, parent) ?? this.#dispatchers.latest);
          break;
        }
        case TO_POOL.HOOK_STREAM: {
          const parent = batch[i + 2] as ParentContext;
          serveStream(slot, a as number, parent, batch[i + 3] as HookCall, batch[i + 4] as number, this.#hooksOf(slot, parent) ?? this.#dispatchers.latest);
          break;
        }
        case TO_POOL.HOOK_CANCEL: cancelServed(slot, a as number, new AccordError('CANCELLED', 'the caller cancelled the call')); break;
        case TO_POOL.HOOK_CREDIT: slot.hookRuns.get(a as number)?.pump?.grant(batch[i + 2] as number); break;
        case TO_POOL.SCHEDULE:
          try {
            this.#tasks.schedule(a as string, batch[i + 2], { delayMs: batch[i + 3] as number });
          } catch (error) {
            this.#dispatchers.logger.error({ err: error, task: a }, 'pool: a handler scheduled a task that cannot run');
          }
          break;
        case TO_POOL.READY: this.#workers.onReady(slot, a as ServiceInfo[], batch[i + 2] as TaskInfo[]); break;
        case TO_POOL.LOAD_ERROR: this.#workers.slotGone(slot, 'it could not load the handler modules', deserializeError(a as SerializedError)); return;
      }
    }
    if (this.#calls.queued > 0) this.#calls.drainQueue();
  }

  /** Structured clone refused `message` to the worker: fail what it belonged to, or send this instead. */
  onUnsendable(slot: Slot, message: unknown[], error: unknown): unknown[] | undefined {
    const why = `cannot be sent to a pool worker (${(error as Error)?.message ?? error})`;
    const [op, id] = message as [number, number];
    switch (op) {
      case TO_WORKER.CALL: {
        const call = slot.calls.get(id);
        if (call) {
          this.#calls.release(slot, call);
          call.settleError(new Error(`the call's input ${why}`));
        }
        return undefined;
      }
      case TO_WORKER.HOOK_OK: return [TO_WORKER.HOOK_ERROR, id, serializeError(new Error(`the nested call's result ${why}`))];
      case TO_WORKER.HOOK_ITEM: {
        slot.hookRuns.get(id)?.pump?.stop();
        slot.hookRuns.delete(id);
        return [TO_WORKER.HOOK_END, id, serializeError(new Error(`a nested stream item ${why}`))];
      }
      default:
        this.#dispatchers.logger.error({ err: error, op }, 'pool: a message could not be sent to a worker');
        return undefined;
    }
  }

  #emit(slot: Slot, ctx: ParentContext, event: string, payload: unknown): void {
    const hooks = this.#hooksOf(slot, ctx) ?? this.#dispatchers.latest;
    try {
      if (!hooks) throw new Error('no dispatcher serves this pool yet');
      hooks.emit(ctx, event, payload);
    } catch (error) {
      this.#dispatchers.logger.error({ err: error, service: ctx.service, event }, 'pool: an event a worker emitted was not published');
    }
  }

  /** The hooks of the call a worker's handler was running when it emitted or called out. */
  #hooksOf(slot: Slot, ctx: ParentContext): ContextHooks | undefined {
    return ctx.poolId === undefined ? undefined : slot.calls.get(ctx.poolId)?.hooks;
  }
}
