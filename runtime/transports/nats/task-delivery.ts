/**
 * What the task store does with a delivered message.
 * - A waiting run (due consumer): not due yet → `nak(due - now)`, NATS hands it out again then; due →
 *   published to its task's run subject (with the run id as JetStream msgID, so a move repeated
 *   after a lost ack is dropped as a duplicate), then acked.
 * - A due run (a task's run consumer): run in the pool, with `working()` renewing the ack wait while
 *   it runs; acked after success; after a failure naked with the backoff delay, or reported dead
 *   after the last attempt (logged, counted, published as a dead letter) and termed.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { TaskHost } from '../../pool/task-store.js';
import { retryDelay, type TaskStoreSettings } from './task-options.js';
import { deadHeaders, decodePayload, readTaskMessage, taskHeaders, type TaskMessage, type TaskSubjects } from './task-messages.js';

export interface DeliveryContext {
  js: JetStreamClient;
  settings: TaskStoreSettings;
  subjects: TaskSubjects;
  host: TaskHost;
}

/** A waiting run is delivered a few ms early at most; this much early counts as due. */
const DUE_SLACK_MS = 5;
/** After a failed move (NATS busy or gone), try again this much later. */
const MOVE_RETRY_MS = 1_000;

/** Handles one message of the due consumer. */
export async function moveWhenDue(ctx: DeliveryContext, msg: JsMsg): Promise<void> {
  const run = readTaskMessage(msg);
  if (!run) return drop(ctx, msg, 'a message without task headers on the due subjects');
  const wait = run.dueAt - Date.now();
  if (wait > DUE_SLACK_MS) return msg.nak(wait);
  try {
    await ctx.js.publish(ctx.subjects.run(run.task), run.body, { msgID: run.runId, headers: taskHeaders(run) });
  } catch (error) {
    ctx.host.logger.warn({ task: run.task, runId: run.runId, err: error }, 'tasks: a due run could not be moved to its run subject; retrying');
    return msg.nak(MOVE_RETRY_MS);
  }
  msg.ack();
}

/** Runs the due runs of the run consumers, and hands back those still going when the store closes. */
export class RunAttempts {
  readonly #ctx: DeliveryContext;
  /** Attempts running here, and whether they were handed back (their outcome then no longer counts). */
  readonly #running = new Map<JsMsg, { handedBack: boolean }>();
  /** Set when the store starts closing: a failure from then on is the pool going away, not the run's. */
  closing = false;

  constructor(ctx: DeliveryContext) {
    this.#ctx = ctx;
  }

  async handle(msg: JsMsg): Promise<void> {
    const { settings, host } = this.#ctx;
    const run = readTaskMessage(msg);
    if (!run) return drop(this.#ctx, msg, 'a message without task headers on a run subject');
    const attempt = msg.info.deliveryCount;
    // The consumer allows one delivery more than the attempts: it only comes when the last attempt never answered.
    if (attempt > settings.maxDeliver) {
      return this.#dead(msg, run, settings.maxDeliver, new Error(`its last attempt never finished: the process running it stopped, or lost NATS for longer than ackWaitMs (${settings.ackWaitMs} ms)`));
    }
    let payload: unknown;
    try {
      payload = decodePayload(run.body);
    } catch (error) {
      return this.#dead(msg, run, attempt, new Error(`its payload is not valid MessagePack: ${(error as Error).message}`));
    }
    const state = { handedBack: false };
    this.#running.set(msg, state);
    const renew = setInterval(() => msg.working(), Math.max(250, settings.ackWaitMs / 3));
    try {
      await host.run(run.task, payload, run.runId);
      if (state.handedBack) {
        host.logger.warn({ task: run.task, runId: run.runId }, 'tasks: a run finished after it was handed back at shutdown; it may run again');
        return;
      }
      await this.#ack(msg, run);
    } catch (error) {
      if (state.handedBack) return;
      if (this.closing) {
        host.logger.warn({ task: run.task, runId: run.runId, attempt, err: error }, 'tasks: a run failed while this process was stopping; handed back to NATS');
        return msg.nak();
      }
      if (attempt >= settings.maxDeliver) return this.#dead(msg, run, attempt, error);
      const retryInMs = retryDelay(settings, attempt);
      host.logger.error({ task: run.task, runId: run.runId, attempt, retryInMs, err: error }, 'pool: task failed');
      msg.nak(retryInMs);
    } finally {
      clearInterval(renew);
      this.#running.delete(msg);
    }
  }

  /** Naks every attempt still running, so another process takes them now; returns how many. */
  handBack(): number {
    for (const [msg, state] of this.#running) {
      state.handedBack = true;
      msg.nak();
    }
    return this.#running.size;
  }

  async #ack(msg: JsMsg, run: TaskMessage): Promise<void> {
    const confirmed = await msg.ackAck().catch(() => false);
    if (!confirmed) this.#ctx.host.logger.warn({ task: run.task, runId: run.runId }, 'tasks: NATS did not confirm the ack of a run that succeeded; it may run again');
  }

  async #dead(msg: JsMsg, run: TaskMessage, attempts: number, error: unknown): Promise<void> {
    const { js, settings, subjects, host } = this.#ctx;
    host.counters.dead(run.task);
    host.logger.error({ task: run.task, runId: run.runId, attempts, err: error }, 'pool: task dead');
    if (settings.deadLetter) {
      await js.publish(subjects.dead(run.task), run.body, { msgID: `${run.runId}:dead`, headers: deadHeaders(run, attempts, error) }).catch((publishError: unknown) => {
        host.logger.error({ task: run.task, runId: run.runId, err: publishError }, 'tasks: the dead letter could not be published');
      });
    }
    msg.term();
  }
}

/** Something that is not a run reached a task consumer (published there by hand): log it and drop it. */
function drop(ctx: DeliveryContext, msg: JsMsg, what: string): void {
  ctx.host.logger.warn({ subject: msg.subject, seq: msg.seq }, `tasks: dropped ${what}`);
  msg.term();
}
