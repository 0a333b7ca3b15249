/**
 * The callers' side of the fault tests and the soak: every call is entered as it starts and as it
 * ends, with its deadline, so the book can tell which calls ended more than once, which ended late
 * or never (hung), how the failures were typed, and, against the run ledger (run-ledger.ts),
 * whether a call that is not idempotent ran twice.
 */
import { isCircuitRefusal } from 'accord-rpc/client';
import { AccordError } from 'accord-rpc/core';

export interface CallRecord {
  token: string;
  /** The `faults` method. */
  kind: string;
  transport: string;
  idempotent: boolean;
  startedAt: number;
  deadline: number;
  endedAt?: number;
  /** 'ok', or the AccordError's code, or 'untyped' for anything else. */
  outcome?: string;
  message?: string;
  /** Failed at once by the client's circuit breaker: it never left. */
  refused?: boolean;
  /** Times it ended: exactly 1 once done. */
  endings: number;
  /** What was wrong with what it delivered (a stream item out of order, a short stream). */
  problem?: string;
}

export interface BookSummary {
  started: number;
  ended: number;
  ok: number;
  /** Failed calls by code. */
  failed: Record<string, number>;
  /** Not ended by their deadline plus the bound: still open, or ended late. */
  hung: CallRecord[];
  endedTwice: CallRecord[];
  /** Failures that were not AccordErrors. */
  untyped: CallRecord[];
  /** Tokens of calls that are not idempotent and ran more than once. */
  duplicated: string[];
  /** Calls that are not idempotent, answered ok, yet never ran (the ledger missed them, or the answer is not theirs). */
  unrun: string[];
  /** Calls whose delivery was wrong (see CallRecord.problem). */
  broken: CallRecord[];
  /** Latest end past a deadline, in ms (negative: every call ended before its deadline). */
  worstLatenessMs: number;
}

/** Books made by this process: tokens of two books never collide in one ledger. */
let books = 0;

export class CallBook {
  readonly records: CallRecord[] = [];
  readonly #id = ++books;
  #serial = 0;

  /** A fresh token for a call: unique within this process. */
  token(transport: string, kind: string): string {
    return `${transport}-${kind}-${this.#id}.${++this.#serial}`;
  }

  start(token: string, kind: string, transport: string, idempotent: boolean, timeoutMs: number): CallRecord {
    const startedAt = Date.now();
    const record: CallRecord = { token, kind, transport, idempotent, startedAt, deadline: startedAt + timeoutMs, endings: 0 };
    this.records.push(record);
    return record;
  }

  /** Enters how `record` ended: 'ok', or the error it failed with. */
  end(record: CallRecord, outcome: 'ok' | unknown): void {
    record.endings++;
    if (record.endings > 1) return;
    record.endedAt = Date.now();
    if (outcome === 'ok') record.outcome = 'ok';
    else if (outcome instanceof AccordError) {
      record.outcome = outcome.code;
      record.message = outcome.message;
      if (isCircuitRefusal(outcome)) record.refused = true;
    } else {
      record.outcome = 'untyped';
      record.message = String(outcome);
    }
  }

  /** Runs `call` as the call `record`, entering how it ended; never rejects. */
  async track<T>(record: CallRecord, call: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await call();
      this.end(record, 'ok');
      return value;
    } catch (error) {
      this.end(record, error);
      return undefined;
    }
  }

  /** Calls started but not ended yet. */
  open(): CallRecord[] {
    return this.records.filter((r) => r.endings === 0);
  }

  /** Resolves once every call ended, or `ms` passed. */
  async settle(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.open().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  /** The invariants, read now: `lateMs` is how far past its deadline a call may end; `runs` is the ledger's count per token. */
  summary(runs: Map<string, number>, lateMs: number): BookSummary {
    const now = Date.now();
    const failed: Record<string, number> = {};
    let worstLatenessMs = -Infinity;
    for (const r of this.records) {
      if (r.outcome !== undefined && r.outcome !== 'ok') failed[r.outcome] = (failed[r.outcome] ?? 0) + 1;
      worstLatenessMs = Math.max(worstLatenessMs, (r.endedAt ?? now) - r.deadline);
    }
    const once = this.records.filter((r) => !r.idempotent);
    return {
      started: this.records.length,
      ended: this.records.filter((r) => r.endings > 0).length,
      ok: this.records.filter((r) => r.outcome === 'ok').length,
      failed,
      hung: this.records.filter((r) => (r.endedAt ?? now) > r.deadline + lateMs),
      endedTwice: this.records.filter((r) => r.endings > 1),
      untyped: this.records.filter((r) => r.outcome === 'untyped'),
      duplicated: once.filter((r) => (runs.get(r.token) ?? 0) > 1).map((r) => `${r.token} ran ${runs.get(r.token)} times`),
      unrun: once.filter((r) => r.outcome === 'ok' && !runs.has(r.token)).map((r) => r.token),
      broken: this.records.filter((r) => r.problem !== undefined),
      worstLatenessMs: this.records.length === 0 ? 0 : worstLatenessMs,
    };
  }

  /** Records matching `filter`, for assertions about one fault's calls. */
  where(filter: (r: CallRecord) => boolean): CallRecord[] {
    return this.records.filter(filter);
  }
}

/** A call as a line: token, outcome, message, what was wrong. */
export function show(r: CallRecord): string {
  return `${r.token} (${r.outcome ?? 'open'}${r.message ? `: ${r.message}` : ''}${r.problem ? `; ${r.problem}` : ''})`;
}

/** One line per failing invariant, empty when they all hold (for test messages and the soak). */
export function violations(summary: BookSummary): string[] {
  const lines: string[] = [];
  if (summary.hung.length > 0) lines.push(`${summary.hung.length} hung: ${summary.hung.slice(0, 5).map(show).join(', ')}`);
  if (summary.endedTwice.length > 0) lines.push(`${summary.endedTwice.length} ended twice: ${summary.endedTwice.slice(0, 5).map(show).join(', ')}`);
  if (summary.untyped.length > 0) lines.push(`${summary.untyped.length} untyped failures: ${summary.untyped.slice(0, 5).map(show).join(', ')}`);
  if (summary.duplicated.length > 0) lines.push(`${summary.duplicated.length} duplicated: ${summary.duplicated.slice(0, 5).join(', ')}`);
  if (summary.unrun.length > 0) lines.push(`${summary.unrun.length} answered ok but never ran: ${summary.unrun.slice(0, 5).join(', ')}`);
  if (summary.broken.length > 0) lines.push(`${summary.broken.length} delivered wrongly: ${summary.broken.slice(0, 5).map(show).join(', ')}`);
  return lines;
}
