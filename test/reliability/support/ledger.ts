/**
 * What the at-most-once tests count against: a service whose one method is not idempotent (it
 * appends to an account), and a handler that counts how often it ran per account and, when asked,
 * holds until the test releases it. A guard counts the attempts that reach the server. Callers are
 * told apart by bearer token: `alice` and `bob` are accepted, anything else is not.
 */
import { z } from 'zod';
import { service, unary } from 'accord-rpc/contract';
import { ServiceClient, type CallOptions, type ClientOptions, type ClientTransport } from 'accord-rpc/client';
import { AccordError, bindService, Dispatcher, type IdempotencyConfig } from 'accord-rpc/core';

export const ledger = service({
  name: 'ledger',
  version: 1,
  securitySchemes: { bearer: { type: 'bearer' } },
  methods: {
    append: unary({
      input: z.object({
        account: z.string(),
        amount: z.number(),
        /** Wait for `Ledger.release(account)` before answering. */
        hold: z.boolean().optional(),
        fail: z.enum(['declared', 'undeclared']).optional(),
      }),
      output: z.object({ account: z.string(), run: z.number() }),
      errors: { OVERDRAWN: { status: 409, data: z.object({ account: z.string() }) } },
      runs: 'inline',
    }),
  },
});

type AppendInput = { account: string; amount: number; hold?: boolean; fail?: 'declared' | 'undeclared' };
type AppendOutput = { account: string; run: number };

export interface LedgerClient {
  append(input: AppendInput, options?: CallOptions): Promise<AppendOutput>;
}
export class LedgerClient extends ServiceClient {
  constructor(transport: ClientTransport, options?: ClientOptions) {
    super(transport, { service: 'ledger', version: 1, methods: { append: { kind: 'unary', idempotent: false } } }, options);
  }
}

export class Ledger {
  /** Handler runs per account. */
  readonly runs = new Map<string, number>();
  /** Attempts admitted per account (replayed and joined ones included). */
  readonly arrivals = new Map<string, number>();
  readonly #held = new Map<string, () => void>();

  dispatcher(options: IdempotencyConfig = {}): Dispatcher {
    return new Dispatcher({
      services: [bindService(ledger, { append: (input: AppendInput) => this.#append(input) })],
      authenticate: ({ token }) => (token === 'alice' || token === 'bob' ? { subject: token } : null),
      guards: [({ input }) => this.#arrived((input as AppendInput).account)],
      ...options,
    });
  }

  /** Lets the held run of `account` answer. */
  release(account: string): void {
    this.#held.get(account)?.();
  }

  #arrived(account: string): void {
    this.arrivals.set(account, (this.arrivals.get(account) ?? 0) + 1);
  }

  async #append({ account, hold, fail }: AppendInput): Promise<AppendOutput> {
    const run = (this.runs.get(account) ?? 0) + 1;
    this.runs.set(account, run);
    if (hold) await new Promise<void>((resolve) => this.#held.set(account, resolve));
    if (fail === 'declared') throw new AccordError('OVERDRAWN', `${account} is overdrawn`, { account });
    if (fail === 'undeclared') throw new Error(`the ledger of ${account} is broken`);
    return { account, run };
  }
}

/** Resolves once `condition` holds; fails the test after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
