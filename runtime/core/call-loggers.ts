/**
 * The loggers handlers get as `ctx.logger`: a child of the server's logger per method (cached, so
 * `service` and `method` are serialized once), and per call a child of that with the call id and
 * trace id, made only when a handler reads `ctx.logger`.
 */
import type { ContextData } from './context.js';
import type { Logger } from './logger.js';
import { traceIdOf } from './trace-context.js';

export class CallLoggers {
  readonly root: Logger;
  readonly #byMethod = new Map<string, Logger>();

  constructor(root: Logger) {
    this.root = root;
  }

  /** The logger of one call: its method's, with `callId` and (when the call has a trace) `traceId`. */
  forCall(data: ContextData): Logger {
    const method = this.forMethod(data.service, data.version, data.method);
    if (!method.child) return method;
    const traceId = traceIdOf(data.meta.traceparent);
    return method.child(traceId === undefined ? { callId: data.callId } : { callId: data.callId, traceId });
  }

  /** One child logger per method served (the keys are the dispatcher's own methods and tasks: a bounded set). */
  forMethod(service: string, version: number, method: string): Logger {
    const key = `${service}.v${version}.${method}`;
    let logger = this.#byMethod.get(key);
    if (!logger) {
      logger = this.root.child ? this.root.child({ service: `${service}.v${version}`, method }) : this.root;
      this.#byMethod.set(key, logger);
    }
    return logger;
  }
}
