/**
 * One fault scenario under load, as the fault tests run it: mixed traffic from the given clients,
 * the scenario's faults while it flows, then a bounded stop, and the invariants read from the
 * callers' book, the run ledger and the event watches.
 */
import { CallBook, type BookSummary, type CallRecord } from './call-book.js';
import type { EventSummary } from './event-watch.js';
import type { FaultClients } from './fault-clients.js';
import { MixedLoad, type LoadOptions, type LoadTarget } from './mixed-load.js';
import type { RunLedger } from './run-ledger.js';

/** How far past its deadline a call may end before it counts as hung: event-loop lag on 2 busy cores. */
export const DEADLINE_SLACK_MS = 1_000;

export interface FaultRun {
  book: CallBook;
  summary: BookSummary;
  events: EventSummary[];
  /** When the scenario's faults were over (its promise resolved). */
  faultsOverAt: number;
  /** Failed calls that started running only after their caller had its answer (a stalled process resumed). */
  ranAfterFailing: CallRecord[];
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts the load, waits `warmupMs`, runs `faults` (which may make calls of its own through the
 * book), lets the load go on for `tailMs`, stops it and reads the invariants.
 */
export async function runUnderLoad(
  clients: FaultClients,
  ledger: RunLedger,
  load: LoadOptions,
  faults: (book: CallBook) => Promise<void>,
  { warmupMs = 500, tailMs = 1_000 } = {},
): Promise<FaultRun> {
  const book = new CallBook();
  const traffic = new MixedLoad(book, clients.targets, load).start();
  let faultsOverAt = Date.now();
  try {
    await sleep(warmupMs);
    await faults(book);
    faultsOverAt = Date.now();
    await sleep(tailMs);
  } finally {
    await traffic.stop(DEADLINE_SLACK_MS);
  }
  await book.settle(DEADLINE_SLACK_MS);
  const starts = ledger.starts();
  const ranAfterFailing = book.where((r) => r.outcome !== 'ok' && !r.refused && (starts.get(r.token) ?? []).some((at) => at > r.endedAt!));
  return { book, summary: book.summary(ledger.runs(), DEADLINE_SLACK_MS), events: clients.watches.map((w) => w.summary()), faultsOverAt, ranAfterFailing };
}

/** One line on what a run did, for the test output: calls, outcomes, lateness, events. */
export function describeRun(name: string, run: FaultRun): string {
  const { summary } = run;
  const failed = Object.entries(summary.failed).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
  const refused = run.book.records.filter((r) => r.refused).length;
  const events = run.events.map((e) => e.received).reduce((a, b) => a + b, 0);
  return `faults ${name}: ${summary.started} calls, ${summary.ok} ok, failed: ${failed} (${refused} by an open circuit), `
    + `latest end ${summary.worstLatenessMs} ms from its deadline, ${events} events received, `
    + `${run.ranAfterFailing.length} failed calls started running after their caller had its answer`;
}

/**
 * Starts `count` `charge` calls (not idempotent) that work for `ms`, entered in the book: calls a
 * fault is sure to find in flight, wherever the transport balances them. Resolves once all ended.
 */
export function holdCalls(book: CallBook, target: LoadTarget, count: number, ms: number, timeoutMs: number): Promise<unknown> {
  return Promise.all(Array.from({ length: count }, () => {
    const token = book.token(target.transport, 'charge');
    return book.track(book.start(token, 'charge', target.transport, false, timeoutMs), () => target.client.charge({ token, ms }, { timeoutMs }));
  }));
}
