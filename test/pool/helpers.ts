/**
 * Test kit for the pool tests: a real Dispatcher over a real pool, a tracker that proves every call
 * settled, and a listener for what fixture handlers report from inside their workers.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { AccordError, Dispatcher, nextCallId, type CallEnvelope, type DispatcherOptions, type Logger } from 'accord-rpc/core';
import { createPool, type PoolHandle, type PoolOptions } from 'accord-rpc/pool';
import { service } from './fixtures/handlers.js';

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
export const HANDLERS = fixture('handlers.ts');

/** Counts calls issued and settled, so a test can assert none hung. */
export class Settlement {
  issued = 0;
  settled = 0;

  track<T>(promise: Promise<T>): Promise<T> {
    this.issued++;
    return promise.finally(() => {
      this.settled++;
    });
  }

  /** Waits (bounded) until every tracked call settled, then asserts it. */
  async allSettled(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.settled < this.issued && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(this.settled, `${this.issued - this.settled} call(s) hung`).toBe(this.issued);
  }
}

export interface Harness {
  pool: PoolHandle;
  dispatcher: Dispatcher;
  calls: Settlement;
  logs: { level: string; obj: unknown; msg?: string }[];
  unary(method: string, input: unknown, options?: { signal?: AbortSignal; timeoutMs?: number; headers?: Record<string, string>; hops?: number }): Promise<any>;
  stream(method: string, input: unknown, options?: { signal?: AbortSignal }): AsyncGenerator<any, void, undefined>;
  close(): Promise<void>;
}

export async function startPool(options: Partial<PoolOptions> = {}, dispatcherOptions: Partial<DispatcherOptions> = {}): Promise<Harness> {
  const logs: Harness['logs'] = [];
  const record = (level: string) => (obj: object | string, msg?: string) => void logs.push({ level, obj, msg });
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const pool = createPool({ modules: [HANDLERS], threads: 2, ...options });
  const dispatcher = new Dispatcher({ services: [service], pool: pool.executor, logger, ...dispatcherOptions });
  await pool.ready();
  const calls = new Settlement();
  const envelope = (method: string, input: unknown, o: { timeoutMs?: number; headers?: Record<string, string>; hops?: number } = {}): CallEnvelope => ({
    id: nextCallId(), service: 'poolTest', version: 1, method, input,
    meta: { hops: o.hops ?? 0, headers: o.headers ?? {}, deadline: o.timeoutMs ? Date.now() + o.timeoutMs : undefined, traceparent: o.headers?.traceparent },
  });
  return {
    pool,
    dispatcher,
    calls,
    logs,
    unary: (method, input, o = {}) => calls.track(dispatcher.unary(envelope(method, input, o), o.signal)),
    stream: (method, input, o = {}) => dispatcher.stream(envelope(method, input), o.signal),
    close: async () => {
      await calls.allSettled();
      await dispatcher.close();
    },
  };
}

/** What fixture handlers report from inside their workers (BroadcastChannel 'accord-pool-test'). */
export class Reports {
  readonly messages: Record<string, any>[] = [];
  readonly #channel = new BroadcastChannel('accord-pool-test');

  constructor() {
    this.#channel.onmessage = (event) => this.messages.push((event as MessageEvent).data);
  }

  of(event: string, tag?: string): Record<string, any>[] {
    return this.messages.filter((m) => m.event === event && (tag === undefined || m.tag === tag));
  }

  async waitFor(predicate: (m: Record<string, any>) => boolean, timeoutMs = 5_000): Promise<Record<string, any>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no report matched within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.#channel.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The AccordError a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<AccordError> {
  const outcome = await promise.then(() => new Error('expected the call to fail, but it succeeded'), (error: unknown) => error);
  expect(outcome).toBeInstanceOf(AccordError);
  return outcome as AccordError;
}
