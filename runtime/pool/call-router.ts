/**
 * Routing calls to workers: each call goes to the least loaded ready worker of the current
 * generation, many in flight per worker; past `concurrency` per worker, calls wait in a bounded
 * queue. A call is over for its caller when it settles, and for its worker when the worker is done
 * with it (`release`). This is the per-call path: keep it free of per-call closures and promises.
 */
import type { CallScope } from '../core/call-scope.js';
import type { ContextData, ContextHooks } from '../core/context.js';
import { AccordError } from '../core/errors.js';
import type { Execution } from '../core/executor.js';
import { StreamInbox } from '../core/stream-inbox.js';
import { CallQueue } from './call-queue.js';
import { KIND, serializeError, TO_WORKER } from './protocol.js';
import { type Generation, PoolCall, type Slot } from './slot.js';
import { transfersOf } from './transfer.js';

export interface RoutingLimits {
  maxQueue: number;
  concurrency: number;
  abortGraceMs: number;
  streamWindow: number;
}

/** What routing needs of the workers' lifecycle. */
export interface WorkerStops {
  /** Stops a worker that holds no calls, without replacing it (or marks it draining). */
  retire(slot: Slot): void;
  /** Terminates a worker: the calls it held fail, and it is replaced if it was serving. */
  slotGone(slot: Slot, why: string): void;
}

export class CallRouter {
  /**
   * The generation new calls go to. The pool sets it to the first generation as soon as the
   * workers exist, and a reload switches it once all of the new generation's workers have loaded.
   */
  current!: Generation;
  /** Set when the pool closes: new calls fail at once from then on. */
  closed = false;
  readonly #queue = new CallQueue();
  #sequence = 0;
  readonly #maxQueue: number;
  readonly #concurrency: number;
  readonly #abortGraceMs: number;
  readonly #streamWindow: number;
  readonly #workers: WorkerStops;

  constructor(limits: RoutingLimits, workers: WorkerStops) {
    this.#maxQueue = limits.maxQueue;
    this.#concurrency = limits.concurrency;
    this.#abortGraceMs = limits.abortGraceMs;
    this.#streamWindow = limits.streamWindow;
    this.#workers = workers;
  }

  /** Calls waiting for a worker. */
  get queued(): number {
    return this.#queue.size;
  }

  unary(execution: Execution, hooks: ContextHooks): Promise<unknown> {
    const call = new PoolCall(++this.#sequence, 'unary', execution.context.method, execution.input, execution.context, hooks);
    return new Promise((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
      this.#submit(call, execution.scope);
    });
  }

  stream(execution: Execution, hooks: ContextHooks): AsyncIterable<unknown> {
    return {
      [Symbol.asyncIterator]: () => {
        const call = new PoolCall(++this.#sequence, 'stream', execution.context.method, execution.input, execution.context, hooks);
        call.inbox = new StreamInbox(
          this.#streamWindow,
          (n) => { if (call.slot) call.slot.outbox.open().push(TO_WORKER.CREDIT, call.id, n); },
          () => this.#abort(call, new AccordError('CANCELLED', 'the consumer stopped reading the stream')),
        );
        this.#submit(call, execution.scope);
        return call.inbox;
      },
    };
  }

  /** A task run, queued and run like a unary call; settles when the run is over. */
  task(name: string, payload: unknown, ctx: ContextData, hooks: ContextHooks | undefined, scope: CallScope): Promise<unknown> {
    const call = new PoolCall(++this.#sequence, 'task', name, payload, ctx, hooks);
    return new Promise((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
      this.#submit(call, scope);
    });
  }

  /** Starts waiting calls while workers of the current generation have room. */
  drainQueue(): void {
    while (this.#queue.size > 0) {
      const slot = this.#pick();
      if (!slot) return;
      const call = this.#queue.shift();
      if (!call) return;
      this.#start(call, slot);
    }
  }

  failQueued(error: AccordError): void {
    let call: PoolCall | undefined;
    while ((call = this.#queue.shift())) call.settleError(error);
  }

  /** The worker is done with `call` (answered, ended, or confirmed the abort). */
  release(slot: Slot, call: PoolCall): void {
    slot.calls.delete(call.id);
    call.slot = undefined;
    if (call.abandoned) {
      slot.overdue--;
      clearTimeout(call.grace);
      if (slot.overdue === 0 && this.#queue.size > 0) queueMicrotask(() => this.drainQueue());
    }
    if (slot.calls.size === 0) {
      if (slot.state === 'draining') this.#workers.retire(slot);
      else slot.worker.unref();
    }
  }

  #submit(call: PoolCall, scope: CallScope | undefined): void {
    if (this.closed) return call.settleError(new AccordError('UNAVAILABLE', 'the worker pool is closed'));
    const failed = this.current.failed;
    if (failed) return call.settleError(new AccordError('UNAVAILABLE', `the pool's handler modules failed to load: ${failed.message}`));
    if (scope) {
      if (scope.aborted) return call.settleError(scope.reason);
      call.removeAbort = scope.onAbort((reason) => this.#abort(call, reason));
    }
    // First come, first served: while calls wait, a new one waits behind them.
    const slot = this.#queue.size === 0 ? this.#pick() : undefined;
    if (slot) return this.#start(call, slot);
    if (this.#queue.size >= this.#maxQueue) {
      return call.settleError(new AccordError('RESOURCE_EXHAUSTED', `the worker pool's queue is full (${this.#maxQueue} calls waiting); try again later`));
    }
    this.#queue.push(call);
  }

  /**
   * The least loaded ready worker of the current generation with room. A worker holding a call it
   * was told to abort gets nothing new until it confirms: if it is stuck it will be terminated
   * within abortGraceMs, and calls given to it meanwhile would die with it.
   */
  #pick(): Slot | undefined {
    let best: Slot | undefined;
    let bestLoad = this.#concurrency;
    for (const slot of this.current.slots) {
      if (slot.state !== 'ready' || slot.overdue > 0) continue;
      const load = slot.calls.size;
      if (load < bestLoad) {
        best = slot;
        bestLoad = load;
      }
    }
    return best;
  }

  #start(call: PoolCall, slot: Slot): void {
    call.slot = slot;
    if (slot.calls.size === 0) slot.worker.ref();
    slot.calls.set(call.id, call);
    const { input, ctx } = call;
    slot.outbox.open(transfersOf(input)).push(
      TO_WORKER.CALL, call.id, KIND[call.kind], call.name, input, ctx.callId, ctx.service, ctx.version, ctx.deadline, ctx.meta, ctx.auth,
    );
  }

  #abort(call: PoolCall, reason: unknown): void {
    if (call.settled) return;
    if (call.queued) {
      this.#queue.remove(call);
      return call.settleError(reason);
    }
    const slot = call.slot;
    if (slot && !call.abandoned) {
      call.abandoned = true;
      slot.overdue++;
      slot.outbox.open().push(TO_WORKER.CANCEL, call.id, serializeError(reason));
      call.grace = setTimeout(() => {
        if (call.slot === slot && slot.state !== 'gone') {
          this.#workers.slotGone(slot, `a handler (${call.ctx.service}.v${call.ctx.version}.${call.name}) ignored its abort for ${this.#abortGraceMs} ms, so its worker was terminated`);
        }
      }, this.#abortGraceMs);
    }
    call.settleError(reason);
  }
}
