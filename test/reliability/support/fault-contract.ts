/**
 * `faults` v1, the service the fault tests and the soak run under load, and its client. Every call
 * carries a token of its own, which the handlers write to the run ledger (run-ledger.ts) as they
 * start, so a test can count how often each call ran, in whichever process or worker it ran.
 * All methods run in the pool except `announce` (events are published by the main thread anyway).
 */
import { z } from 'zod';
import { event, service, stream, unary } from 'accord-rpc/contract';
import { ServiceClient, type CallOptions, type ClientOptions, type ClientTransport } from 'accord-rpc/client';

const call = z.object({ token: z.string(), ms: z.number().int().min(0).default(0) });
const ran = z.object({ token: z.string(), pid: z.number(), threadId: z.number() });

export const faults = service({
  name: 'faults',
  version: 1,
  methods: {
    /** Not idempotent: must never run twice for one token. Waits `ms` (or until aborted). */
    charge: unary({ input: call, output: ran }),
    /** Idempotent: clients retry it, so it may run more than once. Waits `ms` (or until aborted). */
    lookup: unary({ input: call, output: ran, idempotent: true }),
    /** `count` items, seq 0 to count - 1, one every `intervalMs`. */
    feed: stream({
      input: z.object({ token: z.string(), count: z.number().int().min(0).max(1_000), intervalMs: z.number().int().min(0).default(0) }),
      output: z.object({ token: z.string(), seq: z.number() }),
    }),
    /** Emits `beat` `count` times, seq 0 to count - 1. */
    announce: unary({ input: z.object({ token: z.string(), count: z.number().int().min(1).max(100) }), output: z.object({}), runs: 'inline' }),
    /** Its pool worker calls process.exit(1): the worker dies with every call it holds. */
    exit: unary({ input: z.object({ token: z.string() }), output: z.object({}) }),
    /** Ignores its abort and never answers: the pool terminates its worker after abortGraceMs. */
    stuck: unary({ input: z.object({ token: z.string() }), output: z.object({}) }),
  },
  events: {
    beat: event({ data: z.object({ token: z.string(), seq: z.number(), from: z.string() }) }),
  },
});

export type Ran = z.infer<typeof ran>;
export type Beat = { token: string; seq: number; from: string };

export interface FaultsClient {
  charge(input: { token: string; ms?: number }, options?: CallOptions): Promise<Ran>;
  lookup(input: { token: string; ms?: number }, options?: CallOptions): Promise<Ran>;
  feed(input: { token: string; count: number; intervalMs?: number }, options?: CallOptions): AsyncIterable<{ token: string; seq: number }>;
  announce(input: { token: string; count: number }, options?: CallOptions): Promise<Record<string, never>>;
  exit(input: { token: string }, options?: CallOptions): Promise<Record<string, never>>;
  stuck(input: { token: string }, options?: CallOptions): Promise<Record<string, never>>;
  on(event: 'beat', listener: (beat: Beat) => void): () => void;
}

/** What a generated client would be: the method table, with `lookup` the only idempotent call. */
export class FaultsClient extends ServiceClient {
  constructor(transport: ClientTransport, options?: ClientOptions) {
    super(transport, {
      service: 'faults',
      version: 1,
      methods: {
        charge: { kind: 'unary', idempotent: false },
        lookup: { kind: 'unary', idempotent: true },
        feed: { kind: 'stream', idempotent: false },
        announce: { kind: 'unary', idempotent: false },
        exit: { kind: 'unary', idempotent: false },
        stuck: { kind: 'unary', idempotent: false },
      },
    }, options);
  }
}
