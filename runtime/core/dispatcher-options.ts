/** The dispatcher's options, and the shapes of the guards and middleware it runs. */
import type { MethodContract, ServiceContract } from '../contract/index.js';
import type { ContractCheckMode } from './contract-check.js';
import type { Authenticate, Principal } from './auth.js';
import type { CallTelemetry } from './call-telemetry.js';
import type { ContextHooks } from './context.js';
import type { CallMeta } from './envelope.js';
import type { EventBus } from './events.js';
import type { Executor } from './executor.js';
import type { Logger } from './logger.js';
import type { BoundService } from './service-binding.js';

/** What guards see; throw an AccordError (e.g. PERMISSION_DENIED) to refuse the call. */
export interface GuardCall {
  service: ServiceContract;
  method: MethodContract;
  methodName: string;
  input: unknown;
  meta: CallMeta;
  auth: Principal | undefined;
}

export type Guard = (call: GuardCall) => void | Promise<void>;

/**
 * Wraps the execution of unary calls (after validation and guards): logging, metrics, caching,
 * retries of your own. Call `next()` to run the handler; return (or transform) its output.
 * Streams pass through guards only: a wrapper around a stream's lifetime is a different shape.
 */
export type Middleware = (call: GuardCall, next: () => Promise<unknown>) => Promise<unknown>;

export interface DispatcherOptions {
  services: BoundService[];
  /** Runs `runs: 'pool'` methods; without it every method runs inline. Receives the hooks its workers call back into. */
  pool?: (hooks: ContextHooks) => Executor;
  /**
   * Runs every method in the pool, whatever its contract says: for deployments that keep all
   * handler code off the I/O thread, and for tests that every handler survives the thread boundary.
   */
  allInPool?: boolean;
  authenticate?: Authenticate;
  guards?: Guard[];
  /** Outermost first. */
  middleware?: Middleware[];
  /** Validate handler output against the contract (default: on unless NODE_ENV=production). */
  validateOutput?: boolean;
  /**
   * Calls from a caller built against another contract (its method fingerprint differs from this
   * server's): refuse them with FAILED_PRECONDITION (`strict`), serve them and log once (`warn`, the
   * default), or do not look (`off`). Only callers that send a fingerprint are checked.
   */
  contractCheck?: ContractCheckMode;
  /** Deadline for calls whose caller and method set none (default 30 s). */
  defaultTimeoutMs?: number;
  /** Nested calls deeper than this fail with LOOP_DETECTED (default 16). */
  maxHops?: number;
  /** A pino logger (default: silent). Handlers get a child of it per call as `ctx.logger`. */
  logger?: Logger;
  events?: EventBus;
  /**
   * This node's id in a network of Accord servers (mesh, NATS): routed calls list the nodes they
   * passed, and a call that comes back here is a loop. Default: a random id per process.
   */
  nodeId?: string;
  /**
   * Metrics and traces of every call (`serverTelemetry()` from runtime/observability; createServer
   * sets it up). Default: none, at no cost.
   */
  telemetry?: CallTelemetry;
}
