/**
 * `natsTaskStore()`: the pool's task store on JetStream (docs/nats.md, "Durable tasks"). Delayed
 * runs and cron ticks are stored in a work-queue stream shared by every process of the deployment,
 * so a run survives a restart of the process that scheduled it and runs in one process. Debian's
 * nats-server 2.9 has no message scheduling, so a run waits on the due subjects carrying its due
 * time in a header, and the due consumer naks it with the time left (task-delivery.ts). Each task
 * has a run consumer that the processes declaring it share.
 */
import { jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ScheduledRun } from '../../pool/handle.js';
import { MemoryTaskStore } from '../../pool/memory-task-store.js';
import type { TaskInfo } from '../../pool/protocol.js';
import type { RunRequest, TaskHost, TaskStore } from '../../pool/task-store.js';
import { natsOptions, openConnection, type NatsConnectOptions } from './connection.js';
import { checkToken } from './subjects.js';
import { moveWhenDue, RunAttempts, type DeliveryContext } from './task-delivery.js';
import { encodePayload, taskHeaders, TaskSubjects, type TaskMessage } from './task-messages.js';
import { connectionOf, taskStoreSettings, type NatsTaskStoreOptions, type TaskStoreSettings } from './task-options.js';
import { PullLoop } from './task-pull.js';
import { dueConsumerName, ensureDueConsumer, ensureRunConsumer, ensureTaskStream, runConsumerName } from './task-stream.js';

const WHERE = 'tasks (nats store)';
/** Waiting runs are quick to handle (a nak or a move): the due consumer takes many at once. */
const DUE_CONCURRENCY = 256;

export function natsTaskStore(options: NatsTaskStoreOptions = {}): TaskStore {
  return new NatsTaskStore(options);
}

/** What exists once the store is open. */
interface Open {
  nc: NatsConnection;
  jsm: JetStreamManager;
  js: JetStreamClient;
  delivery: DeliveryContext;
  attempts: RunAttempts;
  due: PullLoop;
}

class NatsTaskStore implements TaskStore {
  readonly kind = 'nats';
  readonly waiting = 0;
  readonly #connection: NatsConnectOptions;
  readonly #settings: TaskStoreSettings;
  readonly #subjects: TaskSubjects;
  /** Cron ticks with `cron: 'process'` run here, as without NATS. */
  readonly #local = new MemoryTaskStore();
  readonly #runLoops = new Map<string, PullLoop>();
  #tasks = new Set<string>();
  #host: TaskHost | undefined;
  #opening: Promise<Open> | undefined;
  #open: Open | undefined;
  #closed = false;

  constructor(options: NatsTaskStoreOptions) {
    this.#settings = taskStoreSettings(options, WHERE);
    this.#connection = connectionOf(options);
    natsOptions(this.#connection, {}, WHERE); // bad servers or credentials fail here, not at start
    this.#subjects = new TaskSubjects(this.#settings.prefix);
  }

  open(host: TaskHost): Promise<void> {
    this.#host = host;
    void this.#local.open(host);
    this.#opening = this.#connect(host);
    return this.#opening.then(() => undefined);
  }

  async #connect(host: TaskHost): Promise<Open> {
    const s = this.#settings;
    const nc = await openConnection(this.#connection, { name: 'accord tasks' }, WHERE);
    try {
      const jsm = await jetstreamManager(nc).catch((error: unknown) => {
        throw new Error(`${WHERE}: JetStream is not available on the NATS server at ${nc.getServer()} (start nats-server with -js, or jetstream {} in its config; or use the memory task store): ${(error as Error)?.message ?? error}`, { cause: error });
      });
      await ensureTaskStream(jsm, s, this.#subjects);
      await ensureDueConsumer(jsm, s, this.#subjects);
      const js = jsm.jetstream();
      const delivery: DeliveryContext = { js, settings: s, subjects: this.#subjects, host };
      const due = new PullLoop({
        name: dueConsumerName(s),
        concurrency: DUE_CONCURRENCY,
        prepare: async () => {
          await ensureDueConsumer(jsm, s, this.#subjects);
          return js.consumers.get(s.stream, dueConsumerName(s));
        },
        handle: (msg) => moveWhenDue(delivery, msg),
        logger: () => host.logger,
      });
      const open: Open = { nc, jsm, js, delivery, attempts: new RunAttempts(delivery), due };
      this.#open = open;
      if (this.#closed) await this.#shut(open);
      else {
        this.#syncRunLoops();
        void this.#watch(open);
      }
      return open;
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
  }

  /** After a reconnect every loop pulls anew at once, rather than waiting for its lost pull to expire. */
  async #watch(open: Open): Promise<void> {
    for await (const status of open.nc.status()) {
      if (status.type === 'reconnect') for (const loop of [open.due, ...this.#runLoops.values()]) loop.renew();
    }
  }

  setTasks(tasks: readonly TaskInfo[]): void {
    const names = new Set<string>();
    for (const task of tasks) {
      try {
        names.add(checkToken(task.name, `task '${task.name}'`));
      } catch {
        this.#host?.logger.error({ task: task.name }, "tasks: a task name must be one NATS subject token (letters, digits, '_', '-') to be stored in JetStream; its runs cannot be taken here");
      }
    }
    this.#tasks = names;
    this.#syncRunLoops();
  }

  /** One run consumer loop per task this process declares (a reload adds and removes them). */
  #syncRunLoops(): void {
    const open = this.#open;
    if (!open || this.#closed) return;
    for (const [task, loop] of this.#runLoops) {
      if (this.#tasks.has(task)) continue;
      this.#runLoops.delete(task);
      void loop.stop();
    }
    const s = this.#settings;
    for (const task of this.#tasks) {
      if (this.#runLoops.has(task)) continue;
      this.#runLoops.set(task, new PullLoop({
        name: runConsumerName(s, task),
        concurrency: s.concurrency,
        prepare: async () => {
          await ensureTaskStream(open.jsm, s, this.#subjects);
          await ensureRunConsumer(open.jsm, s, this.#subjects, task);
          return open.js.consumers.get(s.stream, runConsumerName(s, task));
        },
        handle: (msg) => open.attempts.handle(msg),
        logger: () => open.delivery.host.logger,
      }));
    }
  }

  schedule(run: RunRequest): ScheduledRun {
    if (this.#closed || !this.#opening) throw new Error(`cannot schedule task '${run.task}': the pool is closed`);
    checkToken(run.task, `task '${run.task}'`);
    const message: TaskMessage = { task: run.task, runId: run.id, dueAt: run.dueAt, body: encodePayload(run.payload) };
    const delayed = run.dueAt > Date.now();
    let seq: number | undefined;
    let cancelled = false;
    // Waiting runs and due ones have different msgIDs: the move to the run subject reuses the run id.
    const stored = this.#publish(delayed ? this.#subjects.due(run.task) : this.#subjects.run(run.task), message, delayed ? `${run.id}:due` : run.id).then((ack) => {
      seq = ack.seq;
      if (cancelled) this.#remove(seq);
    });
    stored.catch((error: unknown) => this.#host?.logger.error({ task: run.task, runId: run.id, err: error }, 'tasks: a run could not be stored in JetStream; it will not run'));
    return {
      id: run.id,
      stored,
      // A waiting run is removed from the stream; one already moved to its run subject runs.
      cancel: () => {
        if (!delayed || cancelled || Date.now() >= run.dueAt) return false;
        cancelled = true;
        if (seq !== undefined) this.#remove(seq);
        return true;
      },
    };
  }

  cronTick(task: string, at: Date): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#settings.cron === 'process') return this.#local.cronTick(task);
    // Every process declaring the task ticks; the tick's msgID lets JetStream keep the first only.
    const runId = `cron-${task}-${at.toISOString()}`;
    const message: TaskMessage = { task, runId, dueAt: at.getTime(), body: new Uint8Array(0) };
    return this.#publish(this.#subjects.run(task), message, runId).then(
      () => undefined,
      (error: unknown) => this.#host?.logger.error({ task, runId, err: error }, 'tasks: a cron tick could not be stored in JetStream'),
    );
  }

  /** Publishes a run; counts it as scheduled unless JetStream already had it. */
  async #publish(subject: string, message: TaskMessage, msgID: string): Promise<{ seq: number }> {
    const open = await this.#opening!;
    // Retrying is safe: JetStream drops a copy whose msgID it has seen.
    const ack = await open.js.publish(subject, message.body, { msgID, headers: taskHeaders(message), retries: 3 });
    if (!ack.duplicate) this.#host?.counters.scheduled(message.task);
    return ack;
  }

  #remove(seq: number): void {
    void this.#opening!.then((open) => open.jsm.streams.deleteMessage(this.#settings.stream, seq, false))
      .catch((error: unknown) => this.#host?.logger.debug({ seq, err: error }, 'tasks: a cancelled run was no longer waiting'));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const open = this.#open;
    const shut = open ? this.#shut(open) : undefined;
    await this.#local.close();
    await shut;
  }

  /**
   * Stops pulling (before any await: nothing new may start once the pool closes), lets attempts
   * running here finish for closeGraceMs, hands back the rest (they run again elsewhere, or here
   * after a restart), then closes the connection.
   */
  async #shut(open: Open): Promise<void> {
    open.attempts.closing = true;
    const runLoops = [...this.#runLoops.values()];
    this.#runLoops.clear();
    await Promise.all([open.due, ...runLoops].map((loop) => loop.stop()));
    await Promise.all([open.due.idle(1_000), ...runLoops.map((loop) => loop.idle(this.#settings.closeGraceMs))]);
    const handedBack = open.attempts.handBack();
    if (handedBack > 0) open.delivery.host.logger.warn({ runs: handedBack }, 'tasks: runs still going at shutdown were handed back to NATS');
    if (!open.nc.isClosed()) {
      await Promise.race([open.nc.drain().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      if (!open.nc.isClosed()) await open.nc.close().catch(() => undefined);
    }
  }
}
