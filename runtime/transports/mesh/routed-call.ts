/**
 * Calls this node sends over a link on behalf of the router: the session layer's UnaryCall and
 * StreamCall (runtime/link/client-calls.ts), which also free the router's in-flight slot the
 * moment they end, however they end (answer, error, deadline, cancel, lost link). A unary call
 * routed for the dispatcher follows the routed call's cancellation scope: when it aborts, the call
 * is abandoned here and a cancel frame tells the peer.
 */
import type { CallScope } from '../../core/call-scope.js';
import type { OutgoingCall } from '../../core/client-transport.js';
import { AccordError } from '../../core/errors.js';
import { StreamCall, UnaryCall, type CallHost } from '../../link/client-calls.js';

const CANCELLED = new AccordError('CANCELLED', 'the caller cancelled the call');

export class RoutedUnaryCall extends UnaryCall {
  #release: (() => void) | undefined;
  #unwatch: (() => void) | undefined;

  constructor(host: CallHost, id: number, call: OutgoingCall, resolve: (value: unknown) => void, reject: (error: AccordError) => void,
    release: () => void, private readonly scope: CallScope | undefined) {
    super(host, id, call, resolve, reject);
    this.#release = release;
  }

  override start(): void {
    const scope = this.scope;
    if (scope) {
      if (scope.aborted) return this.fail(scope.reason instanceof AccordError ? scope.reason : CANCELLED);
      this.#unwatch = scope.onAbort((reason) => this.abandon(reason instanceof AccordError ? reason : CANCELLED));
    }
    super.start();
  }

  protected override finish(): void {
    super.finish();
    this.#unwatch?.();
    this.#unwatch = undefined;
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}

export class RoutedStreamCall extends StreamCall {
  #release: (() => void) | undefined;

  constructor(host: CallHost, id: number, call: OutgoingCall, window: number, release: () => void) {
    super(host, id, call, window);
    this.#release = release;
  }

  protected override finish(): void {
    super.finish();
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}
