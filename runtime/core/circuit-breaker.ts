/**
 * A circuit breaker for one target of a client: a base URL, a connection, a mesh node. After
 * `failures` calls in a row fail with UNAVAILABLE or DEADLINE_EXCEEDED it opens: calls fail at once
 * with UNAVAILABLE, without a network attempt, for a cool-down (`openMs`). Then the next call goes
 * through as a probe (half-open) while others still fail fast; the probe's success closes the
 * circuit, its failure opens it again for twice as long (up to `maxOpenMs`), so a target that is
 * back after a blip is used again soon and one that stays down is probed less and less. Any other
 * answer (output, a declared error, INVALID_ARGUMENT...) counts as a success: the target is
 * reachable. CANCELLED counts as nothing.
 *
 * Browser-safe, no timer running (states change when calls come), and nothing allocated per call
 * while the circuit is closed: `admit()` returns a number, `settle()` takes the error the call has.
 */
import type { ClientTransport, OutgoingCall } from './client-transport.js';
import { AccordError } from './errors.js';
import { positiveInteger } from './option-checks.js';

export interface CircuitOptions {
  /** Calls in a row failing with UNAVAILABLE or DEADLINE_EXCEEDED that open the circuit (default 5). */
  failures?: number;
  /** How long an open circuit fails calls at once before it lets one probe through, in ms (default 1 000). */
  openMs?: number;
  /** The longest cool-down: each failed probe doubles it up to this, in ms (default 30 000). */
  maxOpenMs?: number;
  /**
   * Where the breaker's `accord_client_circuit_*` metrics go: an AccordMetrics from
   * accord-rpc/observability (`server.metrics`, `metricsOf(dispatcher)`, `new AccordMetrics()`).
   */
  metrics?: CircuitWatcher;
}

/** What reports a breaker's state (AccordMetrics does); returns the function that stops it. Keeps prom-client and metric names out of browser bundles. */
export interface CircuitWatcher {
  watchCircuit(breaker: CircuitBreaker): () => void;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/** `data` of the UNAVAILABLE that a breaker fails a call with. */
export interface CircuitRefusal {
  circuit: 'open' | 'half-open';
  target: string;
  /** When a probe call will be let through (epoch ms); while a probe is in flight, when it started. */
  probeAt: number;
}

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const STATES: readonly CircuitState[] = ['closed', 'open', 'half-open'];

export class CircuitBreaker {
  /** What the breaker guards, in messages and as the metrics' `target` label (credentials removed). */
  readonly target: string;
  readonly failureThreshold: number;
  readonly openMs: number;
  readonly maxOpenMs: number;
  #state = CLOSED;
  /** The cool-down of the current (or next) opening. */
  #coolDown: number;
  /** Bumped on every change of state: a call admitted before it reports into the void. */
  #epoch = 0;
  #failures = 0;
  #probing = false;
  #probeAt = 0;
  #lastFailure = '';
  #opens = 0;
  #rejections = 0;
  readonly #unwatch: (() => void) | undefined;

  constructor(target: string, options: CircuitOptions = {}) {
    this.target = target.replace(/\/\/[^/@]*@/, '//');
    this.failureThreshold = positiveInteger(options.failures ?? 5, 'circuit.failures');
    this.openMs = positiveInteger(options.openMs ?? 1_000, 'circuit.openMs');
    this.maxOpenMs = Math.max(this.openMs, positiveInteger(options.maxOpenMs ?? 30_000, 'circuit.maxOpenMs'));
    this.#coolDown = this.openMs;
    this.#unwatch = options.metrics?.watchCircuit(this);
  }

  /** The state now: an open circuit whose cool-down has passed reads as half-open (its next call probes). */
  get state(): CircuitState {
    if (this.#state === OPEN && Date.now() >= this.#probeAt) return 'half-open';
    return STATES[this.#state];
  }

  /** Times the circuit opened. */
  get opens(): number {
    return this.#opens;
  }

  /** Calls failed at once, without a network attempt, while the circuit was open. */
  get rejections(): number {
    return this.#rejections;
  }

  /**
   * Admits a call: returns its ticket for `settle`, or -1 while the circuit is open or its probe
   * is in flight (fail the call with `refused()` then, without sending it).
   */
  admit(): number {
    if (this.#state === CLOSED) return this.#epoch;
    if (this.#state === OPEN && Date.now() >= this.#probeAt) this.#become(HALF_OPEN, 0);
    if (this.#state === HALF_OPEN && !this.#probing) {
      this.#probing = true;
      return this.#epoch;
    }
    this.#rejections++;
    return -1;
  }

  /** Whether `admit()` would let a call through now: for a caller choosing between targets (the mesh). */
  allows(): boolean {
    if (this.#state === CLOSED) return true;
    return this.#state === OPEN ? Date.now() >= this.#probeAt : !this.#probing;
  }

  /** How the call admitted with `ticket` ended: `error` undefined (or absent) for an answer. */
  settle(ticket: number, error?: { code: string; message: string }): void {
    if (ticket !== this.#epoch) return;
    const code = error?.code;
    if (code === 'UNAVAILABLE' || code === 'DEADLINE_EXCEEDED') {
      this.#lastFailure = `${code}: ${error!.message.slice(0, 200)}`;
      if (this.#state === HALF_OPEN || ++this.#failures >= this.failureThreshold) this.#become(OPEN, Date.now());
    } else if (code === 'CANCELLED') {
      this.release(ticket);
    } else if (this.#state === HALF_OPEN) {
      this.#become(CLOSED, 0);
    } else {
      this.#failures = 0;
    }
  }

  /** The call admitted with `ticket` ended without saying anything about the target (cancelled, never sent): a probe hands over to the next call. */
  release(ticket: number): void {
    if (ticket === this.#epoch) this.#probing = false;
  }

  /** Removes the breaker's metrics (the client closed). */
  close(): void {
    this.#unwatch?.();
  }

  #become(state: number, now: number): void {
    if (state === OPEN) {
      // A failed probe: the target is still down, so wait longer before the next one.
      if (this.#state === HALF_OPEN) this.#coolDown = Math.min(this.#coolDown * 2, this.maxOpenMs);
      this.#opens++;
      this.#probeAt = now + this.#coolDown;
    } else if (state === CLOSED) {
      this.#failures = 0;
      this.#coolDown = this.openMs;
    }
    this.#state = state;
    this.#epoch++;
    this.#probing = false;
  }

  /**
   * A call `admit()` refused: rejects with `refusal()` on a later turn of the event loop, as a
   * network error would, so a caller that calls again at once in a loop cannot starve timers and I/O.
   */
  refused(): Promise<never> {
    const refusal = this.refusal();
    return new Promise((_, reject) => setTimeout(reject, 0, refusal));
  }

  /** The UNAVAILABLE (data: CircuitRefusal) for a call `admit()` refused. */
  refusal(): AccordError {
    const now = Date.now();
    const data: CircuitRefusal = { circuit: this.#state === OPEN ? 'open' : 'half-open', target: this.target, probeAt: this.#probeAt };
    const why = `after ${this.#failures} failed calls in a row (last: ${this.#lastFailure})`;
    const message = this.#state === OPEN
      ? `circuit open for ${this.target} ${why}: calls fail at once until ${new Date(this.#probeAt).toISOString()} (in ${this.#probeAt - now} ms), then one probe call goes through`
      : `circuit half-open for ${this.target} ${why}: a probe call is in flight; calls fail at once until it succeeds`;
    return new AccordError('UNAVAILABLE', message, data);
  }
}

/**
 * The breaker a Node client entry uses for `target`: the one given, a new one from options (the
 * default when none are given), or none with `false` (the off switch). Browser entries take only a
 * breaker instance, so a page that never uses one ships none of this code.
 */
export function circuitBreakerFor(target: string, option: CircuitBreaker | CircuitOptions | false | undefined): CircuitBreaker | undefined {
  if (option === false) return undefined;
  return option instanceof CircuitBreaker ? option : new CircuitBreaker(target, option);
}

/** Whether `error` is a breaker's refusal: the call never left, and retrying it before `probeAt` is pointless. */
export function isCircuitRefusal(error: unknown): error is AccordError<'UNAVAILABLE', CircuitRefusal> {
  return error instanceof AccordError && error.code === 'UNAVAILABLE' && typeof (error.data as CircuitRefusal | undefined)?.circuit === 'string';
}

/**
 * Puts `breaker` in front of `transport`'s unary calls (streams and events pass as they are) and
 * returns the same transport. One decorator for every client transport: the Node entries
 * (accord-rpc/http, /ws, /nats) apply it by default; a browser page that wants one applies it
 * itself, and a page that does not ships none of this code.
 */
export function guardWithBreaker<T extends ClientTransport>(transport: T, breaker: CircuitBreaker | undefined): T {
  if (breaker === undefined) return transport;
  const send = transport.unary.bind(transport);
  const close = transport.close?.bind(transport);
  transport.unary = (call) => guardedUnary(breaker, call, send);
  transport.close = async () => {
    breaker.close();
    await close?.();
  };
  return transport;
}

function guardedUnary(breaker: CircuitBreaker, call: OutgoingCall, send: (call: OutgoingCall) => Promise<unknown>): Promise<unknown> {
  const ticket = breaker.admit();
  if (ticket < 0) return breaker.refused();
  // A call whose deadline passed before it was sent fails without saying anything about the target.
  const expired = call.deadline !== undefined && call.deadline <= Date.now();
  const result = send(call);
  result.then(
    () => breaker.settle(ticket),
    (error: { code?: string; message?: string } | undefined) => {
      if (expired) breaker.release(ticket);
      else breaker.settle(ticket, { code: error?.code ?? 'INTERNAL', message: error?.message ?? String(error) });
    },
  );
  return result;
}
