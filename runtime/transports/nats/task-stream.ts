/**
 * The JetStream resources of the task store, created when missing and checked when present: one
 * work-queue stream (a run leaves it once acked or given up), one durable pull consumer for runs
 * waiting for their due time (every nak counts as a delivery, so it redelivers without limit and
 * without a cap on waiting runs), and one per task for runs that are due (`max_deliver` = the
 * attempts, plus one that only reports a run whose last attempt never answered).
 */
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type ConsumerConfig, type JetStreamManager } from '@nats-io/jetstream';
import type { TaskStoreSettings } from './task-options.js';
import type { TaskSubjects } from './task-messages.js';

const nanos = (ms: number) => Math.round(ms * 1_000_000);

/** Creates the stream, or checks that the one there can hold the runs. */
export async function ensureTaskStream(jsm: JetStreamManager, settings: TaskStoreSettings, subjects: TaskSubjects): Promise<void> {
  const existing = await jsm.streams.info(settings.stream).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (!existing) {
    await jsm.streams.add({
      name: settings.stream,
      subjects: [subjects.all],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: settings.replicas,
      duplicate_window: nanos(settings.duplicateWindowMs),
    });
    return;
  }
  const config = existing.config;
  if (!config.subjects?.includes(subjects.all) || config.retention !== RetentionPolicy.Workqueue) {
    throw new Error(`the JetStream stream '${settings.stream}' exists but is not a task stream (it needs retention 'workqueue' and subject '${subjects.all}'; it has ${config.retention} and ${JSON.stringify(config.subjects)}): choose another tasks stream name, or remove it`);
  }
}

export function dueConsumerName(settings: TaskStoreSettings): string {
  return `${settings.durable}_due`;
}

export function runConsumerName(settings: TaskStoreSettings, task: string): string {
  return `${settings.durable}_run_${task}`;
}

export function ensureDueConsumer(jsm: JetStreamManager, settings: TaskStoreSettings, subjects: TaskSubjects): Promise<void> {
  return ensureConsumer(jsm, settings.stream, {
    durable_name: dueConsumerName(settings),
    filter_subject: subjects.allDue,
    max_deliver: -1,
    max_ack_pending: -1,
    ack_wait: nanos(settings.ackWaitMs),
  });
}

export function ensureRunConsumer(jsm: JetStreamManager, settings: TaskStoreSettings, subjects: TaskSubjects, task: string): Promise<void> {
  return ensureConsumer(jsm, settings.stream, {
    durable_name: runConsumerName(settings, task),
    filter_subject: subjects.run(task),
    max_deliver: settings.maxDeliver + 1,
    ack_wait: nanos(settings.ackWaitMs),
  });
}

/** Creates a durable pull consumer, or brings one that exists to these settings (a changed maxDeliver, ackWaitMs). */
async function ensureConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig> & { durable_name: string }): Promise<void> {
  const full = { ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ...config };
  try {
    await jsm.consumers.add(stream, full);
  } catch (error) {
    // Servers that refuse to create over an existing consumer with other settings take an update.
    const { max_deliver, ack_wait, max_ack_pending } = full;
    await jsm.consumers.update(stream, full.durable_name, { max_deliver, ack_wait, ...(max_ack_pending === undefined ? {} : { max_ack_pending }) }).catch(() => {
      throw error;
    });
  }
}

function isNotFound(error: unknown): boolean {
  return (error as { name?: string })?.name === 'StreamNotFoundError' || /not found/i.test((error as Error)?.message ?? '');
}
