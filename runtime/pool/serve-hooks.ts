/**
 * The main thread's side of what handlers in workers reach back for: nested unary calls and nested
 * streams, served through the dispatcher's ContextHooks (which enforce deadline, auth and hops) and
 * cancelled when the worker's handler stops waiting or the worker goes.
 */
import type { ContextHooks } from '../core/context.js';
import { AccordError } from '../core/errors.js';
import { serializeError, TO_WORKER, type HookCall, type ParentContext } from './protocol.js';
import type { Slot } from './slot.js';
import { StreamSender } from '../core/stream-sender.js';
import { transfersOf } from './transfer.js';

const NO_DISPATCHER = 'nested calls need a dispatcher: no dispatcher serves this pool yet';

export function serveUnary(slot: Slot, id: number, parentContext: ParentContext, outgoing: HookCall, hooks: ContextHooks | undefined): void {
  const { poolId: _poolId, ...parent } = parentContext;
  const controller = new AbortController();
  slot.hookRuns.set(id, { controller });
  let result: Promise<unknown>;
  try {
    if (!hooks) throw new AccordError('UNAVAILABLE', NO_DISPATCHER);
    result = hooks.unary({ ...outgoing, signal: controller.signal }, parent);
  } catch (error) {
    result = Promise.reject(error);
  }
  result.then(
    (value) => {
      if (!slot.hookRuns.delete(id) || slot.state === 'gone') return;
      slot.outbox.open(transfersOf(value)).push(TO_WORKER.HOOK_OK, id, value);
    },
    (error) => {
      if (!slot.hookRuns.delete(id) || slot.state === 'gone') return;
      slot.outbox.open().push(TO_WORKER.HOOK_ERROR, id, serializeError(error));
    },
  );
}

export function serveStream(slot: Slot, id: number, parentContext: ParentContext, outgoing: HookCall, window: number, hooks: ContextHooks | undefined): void {
  const { poolId: _poolId, ...parent } = parentContext;
  const controller = new AbortController();
  const source: AsyncIterable<unknown> = hooks
    ? hooks.stream({ ...outgoing, signal: controller.signal }, parent)
    : failingStream(new AccordError('UNAVAILABLE', NO_DISPATCHER));
  const pump = new StreamSender(source, {
    item: (value) => slot.outbox.open(transfersOf(value)).push(TO_WORKER.HOOK_ITEM, id, value),
    end: (error) => {
      slot.hookRuns.delete(id);
      if (slot.state !== 'gone') slot.outbox.open().push(TO_WORKER.HOOK_END, id, error === undefined ? undefined : serializeError(error));
    },
  }, { credit: window });
  slot.hookRuns.set(id, { controller, pump });
  void pump.run();
}

/** The worker's handler stopped waiting (or the worker is gone): cancel what it was served. */
export function cancelServed(slot: Slot, id: number, reason: AccordError): void {
  const run = slot.hookRuns.get(id);
  slot.hookRuns.delete(id);
  run?.controller.abort(reason);
  run?.pump?.stop();
}

async function* failingStream(error: Error): AsyncGenerator<unknown> {
  throw error;
}
