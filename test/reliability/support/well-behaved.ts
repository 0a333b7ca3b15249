/**
 * Well-behaved clients of the server under attack, one per transport, made with Accord's own client
 * transports: after every batch of hostile cases (and during resource attacks) each must still get
 * `math.add` answered, within a bound. That is what "the server keeps serving others" means here.
 */
import type { ClientTransport, OutgoingCall } from 'accord-rpc/core';
import { meshClient } from 'accord-rpc/mesh';
import { natsClient } from 'accord-rpc/nats';
import { wsClient } from 'accord-rpc/ws';
import type { Target } from './target.js';

export type TransportName = 'http' | 'ws' | 'mesh' | 'nats';

export interface WellBehavedOptions {
  mesh?: { key: string };
  nats?: { url: string };
  /** How long one call may take (default 3 s). */
  timeoutMs?: number;
}

function addCall(a: number, timeoutMs: number): OutgoingCall {
  return { service: 'math', version: 1, method: 'add', input: { a, b: 1 }, metadata: {}, idempotent: false, deadline: Date.now() + timeoutMs };
}

async function httpAdd(url: string, a: number, timeoutMs: number): Promise<unknown> {
  const response = await fetch(`${url}/rpc/math/v1/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ a, b: 1 }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

export class WellBehavedClients {
  readonly #target: Target;
  /** One `math.add(a, 1)` per transport. */
  readonly #calls = new Map<TransportName, (a: number) => Promise<unknown>>();
  readonly #transports: ClientTransport[] = [];
  readonly #timeoutMs: number;
  #serial = 0;

  constructor(target: Target, transports: TransportName[], options: WellBehavedOptions = {}) {
    this.#target = target;
    this.#timeoutMs = options.timeoutMs ?? 3_000;
    const ready = target.ready;
    const timeoutMs = this.#timeoutMs;
    const through = (name: TransportName, client: ClientTransport) => {
      this.#transports.push(client);
      this.#calls.set(name, (a) => client.unary(addCall(a, timeoutMs)));
    };
    for (const name of transports) {
      if (name === 'http') this.#calls.set(name, (a) => httpAdd(ready.http!, a, timeoutMs));
      if (name === 'ws') through(name, wsClient({ url: ready.ws! }));
      if (name === 'mesh') through(name, meshClient({ key: options.mesh!.key, seeds: [`127.0.0.1:${ready.meshPort}`], reconnect: { initialDelayMs: 50, maxDelayMs: 500 } }));
      if (name === 'nats') through(name, natsClient({ servers: options.nats!.url }));
    }
  }

  /** One `math.add` on every transport; throws naming the transport that did not answer right. */
  async check(): Promise<void> {
    await Promise.all([...this.#calls].map(async ([name, add]) => {
      const a = ++this.#serial;
      let output: unknown;
      try {
        output = await add(a);
      } catch (error) {
        const problem = this.#target.problem();
        throw new Error(`a well-behaved ${name} client's call failed: ${(error as Error).message}${problem ? `\n${problem}` : ''}`);
      }
      if ((output as { sum?: number })?.sum !== a + 1) throw new Error(`a well-behaved ${name} client got ${JSON.stringify(output)} for ${a} + 1`);
    }));
  }

  /**
   * Calls on every transport, one round at a time, until the returned function is called: what a
   * resource test runs during its attack. The summary counts rounds, failures and the slowest round.
   */
  keepCalling(pauseMs = 100): () => Promise<{ rounds: number; failures: string[]; slowestMs: number }> {
    let running = true;
    const summary = { rounds: 0, failures: [] as string[], slowestMs: 0 };
    const loop = (async () => {
      while (running) {
        const started = Date.now();
        try {
          await this.check();
        } catch (error) {
          summary.failures.push((error as Error).message);
        }
        summary.rounds++;
        summary.slowestMs = Math.max(summary.slowestMs, Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    })();
    return async () => {
      running = false;
      await loop;
      return summary;
    }; // calling it twice is harmless: the loop is already over
  }

  async close(): Promise<void> {
    await Promise.all(this.#transports.map((c) => c.close?.().catch(() => undefined)));
  }
}
