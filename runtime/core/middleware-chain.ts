/**
 * Unary middleware (DispatcherOptions.middleware) around a call's executor: each one gets the call
 * and a `next` that runs the rest of the chain, then the handler.
 */
import type { ActiveCall } from './active-call.js';
import type { GuardCall, Middleware } from './dispatcher-options.js';

export function runThroughMiddleware(chain: Middleware[], call: ActiveCall): Promise<unknown> {
  const info: GuardCall = { service: call.service, method: call.method, methodName: call.name, input: call.input, meta: call.context.meta, auth: call.context.auth };
  return from(chain, 0, info, call);
}

/** Runs middleware `index` onwards (a function, not a named closure per call: see CallAdmission.begin). */
function from(chain: Middleware[], index: number, info: GuardCall, call: ActiveCall): Promise<unknown> {
  if (index >= chain.length) return Promise.resolve(call.executor.unary(call));
  return chain[index](info, () => from(chain, index + 1, info, call));
}
