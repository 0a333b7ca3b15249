/**
 * A subscriber to `faults`' `beat` events over one client transport, checking what events promise
 * under faults: each (token, seq) arrives at most once per subscription, and the beats of one
 * token arrive in the order they were emitted. Losing some is allowed (delivery is at most once).
 */
import type { Beat, FaultsClient } from './fault-contract.js';

export interface EventSummary {
  received: number;
  /** `transport token#seq` of beats that arrived twice. */
  duplicated: string[];
  /** Beats that arrived after a later beat of the same token. */
  disordered: string[];
}

export class EventWatch {
  received = 0;
  readonly #seen = new Set<string>();
  readonly #lastSeq = new Map<string, number>();
  readonly #duplicated: string[] = [];
  readonly #disordered: string[] = [];
  readonly #off: () => void;

  constructor(readonly transport: string, client: FaultsClient) {
    this.#off = client.on('beat', (beat) => this.#receive(beat));
  }

  summary(): EventSummary {
    return { received: this.received, duplicated: [...this.#duplicated], disordered: [...this.#disordered] };
  }

  close(): void {
    this.#off();
  }

  #receive({ token, seq }: Beat): void {
    this.received++;
    const key = `${token}#${seq}`;
    if (this.#seen.has(key)) this.#duplicated.push(`${this.transport} ${key}`);
    this.#seen.add(key);
    const last = this.#lastSeq.get(token) ?? -1;
    if (seq < last) this.#disordered.push(`${this.transport} ${key} after #${last}`);
    this.#lastSeq.set(token, Math.max(last, seq));
  }
}

/** One line per failing event invariant over every watch, empty when they hold. */
export function eventViolations(summaries: EventSummary[]): string[] {
  const duplicated = summaries.flatMap((s) => s.duplicated);
  const disordered = summaries.flatMap((s) => s.disordered);
  const lines: string[] = [];
  if (duplicated.length > 0) lines.push(`${duplicated.length} events delivered twice: ${duplicated.slice(0, 5).join(', ')}`);
  if (disordered.length > 0) lines.push(`${disordered.length} events out of order: ${disordered.slice(0, 5).join(', ')}`);
  return lines;
}
