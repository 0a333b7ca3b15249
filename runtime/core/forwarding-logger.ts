/**
 * A logger that hands each record to a function instead of writing it: how handlers in pool workers
 * log. The worker forwards `(level, fields, msg)` to the main thread, where the server's pino logger
 * writes it, so worker records carry the same bindings (service, method, callId, traceId) and go
 * to the same place as everything else.
 */
import type { Logger } from './logger.js';

export type ForwardedLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export type LogSink = (level: ForwardedLevel, fields: Record<string, unknown>, msg: string | undefined) => void;

export class ForwardingLogger implements Logger {
  readonly #bindings: Record<string, unknown>;
  readonly #sink: LogSink;

  constructor(bindings: Record<string, unknown>, sink: LogSink) {
    this.#bindings = bindings;
    this.#sink = sink;
  }

  child(bindings: Record<string, unknown>): ForwardingLogger {
    return new ForwardingLogger({ ...this.#bindings, ...bindings }, this.#sink);
  }

  trace(obj: object | string, msg?: string): void {
    this.#write('trace', obj, msg);
  }

  debug(obj: object | string, msg?: string): void {
    this.#write('debug', obj, msg);
  }

  info(obj: object | string, msg?: string): void {
    this.#write('info', obj, msg);
  }

  warn(obj: object | string, msg?: string): void {
    this.#write('warn', obj, msg);
  }

  error(obj: object | string, msg?: string): void {
    this.#write('error', obj, msg);
  }

  fatal(obj: object | string, msg?: string): void {
    this.#write('fatal', obj, msg);
  }

  #write(level: ForwardedLevel, obj: object | string, msg: string | undefined): void {
    if (typeof obj === 'string') this.#sink(level, { ...this.#bindings }, obj);
    else this.#sink(level, { ...this.#bindings, ...(obj as Record<string, unknown>) }, msg);
  }
}

const LEVELS = new Set<string>(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/** Writes a forwarded record to `logger` (unknown levels as info; pino's trace and fatal when it has them). */
export function writeForwarded(logger: Logger, level: string, fields: object, msg: string | undefined): void {
  const name = (LEVELS.has(level) ? level : 'info') as ForwardedLevel;
  const write = logger[name] ?? (name === 'fatal' ? logger.error : logger.debug);
  write.call(logger, fields, msg);
}
