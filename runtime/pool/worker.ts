/**
 * The pool worker's entry: loads the handler modules, then runs the calls the main thread sends,
 * many at once (async handlers interleave), and answers in batches. Handler contexts are rebuilt
 * here with `createHandlerContext` and hooks that post back to the main thread: events, nested
 * calls, log lines and task scheduling are served there.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { CronPattern } from 'croner';
import type { OutgoingCall } from '../core/client-transport.js';
import { CallScope } from '../core/call-scope.js';
import { createHandlerContext, type ContextData, type ContextHooks } from '../core/context.js';
import { AccordError } from '../core/errors.js';
import { ForwardingLogger } from '../core/forwarding-logger.js';
import { traceIdOf } from '../core/trace-context.js';
import { CallTracing, registeredTracer } from '../observability/tracing.js';
import { boundServicesOf, type BoundService, type StreamHandler, type UnaryHandler } from '../core/service-binding.js';
import { validateEvent } from '../core/events.js';
import { Outbox } from './outbox.js';
import {
  cloneable, cloneableLogFields, deserializeError, KIND, serializeError, TO_POOL, TO_WORKER, TO_WORKER_ARITY,
  type HookCall, type ParentContext, type SerializedError, type ServiceInfo, type TaskInfo, type WorkerConfig,
} from './protocol.js';
import { StreamInbox } from '../core/stream-inbox.js';
import { StreamSender } from '../core/stream-sender.js';
import { setTaskScheduler, taskSetsOf, type TaskDefinition, type TaskSet } from './tasks.js';
import { transfersOf } from './transfer.js';

const port = parentPort!;
const config = (workerData as { config: WorkerConfig }).config;

const outbox = new Outbox(port, (message, error) => {
  const why = `cannot be sent to the main thread (${(error as Error)?.message ?? error})`;
  const [op, id] = message;
  if (op === TO_POOL.RESULT) return [TO_POOL.ERROR, id, serializeError(new Error(`the handler's result ${why}`))];
  if (op === TO_POOL.ITEM) {
    running.get(id as number)?.pump?.stop();
    return [TO_POOL.END, id, serializeError(new Error(`a stream item ${why}`))];
  }
  if (op === TO_POOL.HOOK_UNARY || op === TO_POOL.HOOK_STREAM) {
    failHook(id as number, new AccordError('INVALID_ARGUMENT', `the nested call's input ${why}`));
    return undefined;
  }
  return [TO_POOL.LOG, 'error', { op }, `a message ${why}`];
});


// ---- what this worker serves -------------------------------------------------------------------

const services = new Map<string, BoundService>();
const tasks = new Map<string, { definition: TaskDefinition; set: TaskSet }>();

async function load(): Promise<{ services: ServiceInfo[]; tasks: TaskInfo[] }> {
  for (const module of config.modules) {
    const url = module.startsWith('file:') ? module : pathToFileURL(module).href;
    const mod = (await import(url)) as Record<string, unknown>;
    for (const bound of boundServicesOf(mod)) services.set(`${bound.contract.name}@${bound.contract.version}`, bound);
    for (const set of taskSetsOf(mod)) {
      for (const [name, definition] of Object.entries(set.tasks)) {
        if (tasks.has(name)) throw new Error(`task '${name}' is declared twice (${module})`);
        if (definition.cron !== undefined) {
          try {
            new CronPattern(definition.cron, definition.timezone);
          } catch (error) {
            throw new Error(`task '${name}' has an invalid cron pattern '${definition.cron}': ${(error as Error).message}`);
          }
        }
        tasks.set(name, { definition, set });
      }
    }
  }
  return {
    services: [...services.values()].map((b) => ({ service: b.contract.name, version: b.contract.version, methods: Object.keys(b.handlers) })),
    tasks: [...tasks.entries()].map(([name, { definition, set }]) => ({
      name,
      cron: definition.cron,
      timezone: definition.timezone,
      timeoutMs: definition.timeoutMs,
      service: set.service ? { name: set.service.name, version: set.service.version } : undefined,
    })),
  };
}

// ---- calls ---------------------------------------------------------------------------------------

/** The pool's id of the call a context belongs to, so nested calls find their parent's hooks. */
const POOL_ID = Symbol('accord.poolCallId');
type TaggedContext = ContextData & { [POOL_ID]?: number };

interface Running {
  scope: CallScope;
  pump?: StreamSender;
}

const running = new Map<number, Running>();

function startCall(id: number, kind: number, name: string, input: unknown, data: TaggedContext): void {
  data[POOL_ID] = id;
  const scope = new CallScope();
  const call: Running = { scope };
  running.set(id, call);
  const ctx = createHandlerContext(data, scope, hooks);
  try {
    if (kind === KIND.stream) {
      const handler = handlerFor(data) as StreamHandler;
      const pump = new StreamSender(handler(input, ctx), {
        item: (value) => outbox.open(transfersOf(value)).push(TO_POOL.ITEM, id, value),
        end: (error) => {
          running.delete(id);
          outbox.open().push(TO_POOL.END, id, error === undefined ? undefined : serializeError(error));
        },
      }, { credit: config.streamWindow });
      call.pump = pump;
      void pump.run();
      return;
    }
    const result = kind === KIND.task ? runTask(name, input, ctx) : (handlerFor(data) as UnaryHandler)(input, ctx);
    if (result instanceof Promise || (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function')) {
      Promise.resolve(result).then((value) => answer(id, value), (error) => fail(id, error));
    } else {
      answer(id, result);
    }
  } catch (error) {
    fail(id, error);
  }
}

function answer(id: number, value: unknown): void {
  running.delete(id);
  outbox.open(transfersOf(value)).push(TO_POOL.RESULT, id, value);
}

function fail(id: number, error: unknown): void {
  running.delete(id);
  outbox.open().push(TO_POOL.ERROR, id, serializeError(error));
}

function handlerFor(data: ContextData) {
  const bound = services.get(`${data.service}@${data.version}`);
  const handler = bound?.handlers[data.method];
  if (!handler) throw new AccordError('UNIMPLEMENTED', `this pool worker has no handler for ${data.service}.v${data.version}.${data.method}; is its module in the pool's modules?`);
  return handler;
}

function runTask(name: string, payload: unknown, ctx: ReturnType<typeof createHandlerContext>): unknown {
  const task = tasks.get(name);
  if (!task) throw new AccordError('UNIMPLEMENTED', `no task named '${name}' (declared: ${[...tasks.keys()].join(', ') || 'none'})`);
  return task.definition.run(payload, ctx);
}

function cancel(id: number, reason: SerializedError): void {
  const call = running.get(id);
  if (!call) return;
  call.scope.abort(deserializeError(reason));
  call.pump?.stop();
}

// ---- hooks: what handlers reach back to the main thread for -------------------------------------

let hookSequence = 0;
const pendingUnary = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
const pendingStreams = new Map<number, StreamInbox>();

function failHook(id: number, error: unknown): void {
  const unary = pendingUnary.get(id);
  if (unary) {
    pendingUnary.delete(id);
    unary.reject(error);
  }
  const stream = pendingStreams.get(id);
  if (stream) {
    pendingStreams.delete(id);
    stream.end(error);
  }
}

function hookCall(call: OutgoingCall): HookCall {
  const { signal: _signal, ...rest } = call;
  return rest;
}

/** Handlers' log records go to the main thread's logger, bindings included (see ForwardingLogger). */
const logger = new ForwardingLogger({}, (level, fields, msg) => outbox.open().push(TO_POOL.LOG, level, cloneableLogFields(fields), msg));

const hooks: ContextHooks = {
  logger,
  loggerFor(data) {
    const traceId = traceIdOf(data.meta.traceparent);
    const bindings = { service: `${data.service}.v${data.version}`, method: data.method, callId: data.callId };
    return logger.child(traceId === undefined ? bindings : { ...bindings, traceId });
  },
  emit(data, event, payload) {
    // Validate here, so a handler gets the same synchronous error as inline; the main thread publishes.
    const contract = services.get(`${data.service}@${data.version}`)?.contract ?? serviceOfTask(data);
    if (contract) validateEvent(contract, event, payload);
    outbox.open(transfersOf(payload)).push(TO_POOL.EMIT, plainContext(data), event, cloneable(payload));
  },
  unary(call, parent) {
    const id = ++hookSequence;
    return new Promise((resolve, reject) => {
      const signal = call.signal;
      if (signal?.aborted) return reject(new AccordError('CANCELLED', 'the caller cancelled the call'));
      const onAbort = () => {
        if (!pendingUnary.has(id)) return;
        outbox.open().push(TO_POOL.HOOK_CANCEL, id);
        failHook(id, new AccordError('CANCELLED', 'the caller cancelled the call'));
      };
      // The signal is the parent call's and outlives this nested call: remove the listener when it settles.
      const settled = () => signal?.removeEventListener('abort', onAbort);
      pendingUnary.set(id, {
        resolve: (value) => { settled(); resolve(value); },
        reject: (error) => { settled(); reject(error); },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      outbox.open(transfersOf(call.input)).push(TO_POOL.HOOK_UNARY, id, plainContext(parent), hookCall(call));
    });
  },
  stream(call, parent) {
    const window = config.streamWindow;
    return {
      [Symbol.asyncIterator]: () => {
        const id = ++hookSequence;
        const inbox = new StreamInbox(window, (n) => outbox.open().push(TO_POOL.HOOK_CREDIT, id, n), () => {
          pendingStreams.delete(id);
          outbox.open().push(TO_POOL.HOOK_CANCEL, id);
        });
        pendingStreams.set(id, inbox);
        call.signal?.addEventListener('abort', () => void inbox.return(), { once: true });
        outbox.open(transfersOf(call.input)).push(TO_POOL.HOOK_STREAM, id, plainContext(parent), hookCall(call), window);
        return inbox;
      },
    };
  },
};

function serviceOfTask(data: ContextData) {
  const set = tasks.get(data.method)?.set;
  return set?.service && set.service.name === data.service && set.service.version === data.version ? set.service : undefined;
}

/** The context data as the main thread sent it, without the worker's tag. */
function plainContext(data: TaggedContext): ParentContext {
  const { callId, service, version, method, deadline, meta, auth } = data;
  return { callId, service, version, method, deadline, meta, auth, poolId: data[POOL_ID] };
}

// ---- the message loop ----------------------------------------------------------------------------

port.on('message', (batch: unknown[]) => {
  for (let i = 0; i < batch.length; i += 1 + TO_WORKER_ARITY[batch[i] as number]) {
    const id = batch[i + 1] as number;
    switch (batch[i]) {
      case TO_WORKER.CALL: {
        const name = batch[i + 3] as string;
        startCall(id, batch[i + 2] as number, name, batch[i + 4], {
          callId: batch[i + 5] as string, service: batch[i + 6] as string, version: batch[i + 7] as number, method: name,
          deadline: batch[i + 8] as number | undefined, meta: batch[i + 9] as ContextData['meta'], auth: batch[i + 10] as ContextData['auth'],
        });
        break;
      }
      case TO_WORKER.CANCEL: cancel(id, batch[i + 2] as SerializedError); break;
      case TO_WORKER.CREDIT: running.get(id)?.pump?.grant(batch[i + 2] as number); break;
      case TO_WORKER.HOOK_OK:
      case TO_WORKER.HOOK_ERROR: {
        const pending = pendingUnary.get(id);
        if (!pending) break;
        pendingUnary.delete(id);
        if (batch[i] === TO_WORKER.HOOK_OK) pending.resolve(batch[i + 2]);
        else pending.reject(deserializeError(batch[i + 2] as SerializedError));
        break;
      }
      case TO_WORKER.HOOK_ITEM: pendingStreams.get(id)?.push(batch[i + 2]); break;
      case TO_WORKER.HOOK_END: {
        const inbox = pendingStreams.get(id);
        pendingStreams.delete(id);
        const error = batch[i + 2] as SerializedError | undefined;
        inbox?.end(error ? deserializeError(error) : undefined);
        break;
      }
    }
  }
});

setTaskScheduler((task, payload, options) => {
  const id = `w${process.pid}-${++hookSequence}`;
  outbox.open(transfersOf(payload)).push(TO_POOL.SCHEDULE, task, cloneable(payload), options?.delayMs ?? 0);
  // Runs scheduled from a worker live on the main thread; cancel them there (handle.schedule).
  return { id, cancel: () => false };
});

try {
  const info = await load();
  // A tracing SDK registered in this thread (by a handler module, or `--import` in execArgv, which
  // workers inherit) gets client spans for ctx.client(C, via) calls made from here.
  const tracer = registeredTracer();
  if (tracer) hooks.outgoing = new CallTracing(tracer);
  outbox.open().push(TO_POOL.READY, info.services, info.tasks);
} catch (error) {
  outbox.open().push(TO_POOL.LOAD_ERROR, serializeError(error));
}
outbox.flush();
