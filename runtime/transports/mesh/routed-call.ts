/**
 * Calls this node sends over a link on behalf of the router: the session layer's UnaryCall and
 * StreamCall (runtime/link/client-calls.ts), which tell the router the moment an attempt ends,
 * however it ends (answer, error, deadline, cancel, lost link), so its in-flight count stays true.
 *
 * A unary call is a RoutedUnary (one promise) carried by one attempt, or by more when the link
 * under an idempotent call dies: the router then sends it to another node and the caller sees only
 * the answer. A call routed for the dispatcher follows the dispatcher's cancellation scope (which
 * also ends it at its deadline); a meshClient's own call has its deadline checked by the router's
 * shared sweeper instead of a timer per call (core/deadline-sweeper.ts says why).
 */
import { deadlineError } from '../../core/call-deadline.js';
import type { CallScope } from '../../core/call-scope.js';
import type { OutgoingCall } from '../../core/client-transport.js';
import type { DeadlineSweeper, HasDeadline } from '../../core/deadline-sweeper.js';
import type { CallEnvelope } from '../../core/envelope.js';
import { AccordError } from '../../core/errors.js';
import { StreamCall, UnaryCall, type CallHost } from '../../link/client-calls.js';

const CANCELLED = new AccordError('CANCELLED', 'the caller cancelled the call');

/** What an attempt needs of the router. */
export interface AttemptHost {
  /** The attempt to `node` ended: its in-flight slot is free. */
  ended(node: string): void;
  /** The link under an idempotent call died: sends it to another node; false when none is left. */
  failover(call: RoutedUnary, failed: string): boolean;
  readonly sweeper: DeadlineSweeper;
}

/** One routed unary call, whichever attempt answers it. */
export class RoutedUnary {
  resolve!: (value: unknown) => void;
  reject!: (error: AccordError) => void;
  readonly promise = new Promise<unknown>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
  /** Nodes whose link died under the call (set at the first failover). */
  failed: string[] | undefined;

  /**
   * `idempotent`: known for a caller's own calls; undefined for calls routed for the dispatcher
   * (the router looks it up in the contract if a link dies under one).
   */
  constructor(readonly envelope: CallEnvelope, readonly signal: AbortSignal | undefined, readonly scope: CallScope | undefined, readonly idempotent: boolean | undefined) {}
}

export class RoutedUnaryCall extends UnaryCall implements HasDeadline {
  #unwatch: (() => void) | undefined;
  #ended = false;

  constructor(host: CallHost, id: number, call: OutgoingCall, private readonly routed: RoutedUnary, private readonly router: AttemptHost, private readonly node: string) {
    super(host, id, call, routed.resolve, routed.reject);
  }

  get deadlineAt(): number {
    return this.call.deadline!;
  }

  get ended(): boolean {
    return this.finished;
  }

  expire(): void {
    this.abandon(deadlineError(this.call));
  }

  /** Deadline and cancellation: the dispatcher's scope, else the caller's signal and the sweeper. */
  protected override arm(): boolean {
    const scope = this.routed.scope;
    if (scope) {
      if (scope.aborted) {
        this.fail(scope.reason instanceof AccordError ? scope.reason : CANCELLED);
        return false;
      }
      this.#unwatch = scope.onAbort((reason) => this.abandon(reason instanceof AccordError ? reason : CANCELLED));
      return true;
    }
    if (this.call.signal) return super.arm();
    if (this.call.deadline !== undefined) this.router.sweeper.add(this);
    return true;
  }

  override fail(error: AccordError): void {
    if (this.finished) return;
    // Sent, and the link died before the answer: an idempotent call may run again elsewhere.
    if (this.session !== undefined && !this.session.open) {
      this.finish();
      if (!this.router.failover(this.routed, this.node)) this.routed.reject(error);
      return;
    }
    super.fail(error);
  }

  protected override finish(): void {
    super.finish();
    if (this.#ended) return;
    this.#ended = true;
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.router.ended(this.node);
  }
}

export class RoutedStreamCall extends StreamCall {
  #ended = false;

  constructor(host: CallHost, id: number, call: OutgoingCall, window: number, private readonly router: AttemptHost, private readonly node: string) {
    super(host, id, call, window);
  }

  protected override finish(): void {
    super.finish();
    if (this.#ended) return;
    this.#ended = true;
    this.router.ended(this.node);
  }
}
