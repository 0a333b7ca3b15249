/**
 * Logs go through pino, the logger fastify itself uses: one pino instance per server is shared by
 * fastify, the runtime and every handler (`ctx.logger` is a child of it carrying the call id and
 * trace id). A deployment may pass its own pino instance instead (`config.logger`).
 *
 * JSON lines on stderr by default (stdout stays free for `accord serve`'s URL lines); `pretty`
 * formats them for a person with pino-pretty, in this thread, so nothing is lost at exit.
 */
import { pino } from 'pino';
import pretty from 'pino-pretty';

/**
 * What Accord writes logs to: the part of pino's interface it uses, so a pino logger (or fastify's
 * `request.log`) plugs in as it is. `child` returns a logger whose records carry `bindings`.
 */
export interface Logger {
  trace?(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  fatal?(obj: object | string, msg?: string): void;
  child?(bindings: Record<string, unknown>): Logger;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `auto`: pretty when stderr is a terminal, JSON otherwise (the demo's choice). */
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Fields on every record (e.g. `{ service: 'billing' }`). */
  bindings?: Record<string, unknown>;
  /** Where JSON lines go (default: stderr, written synchronously). Ignored by the pretty format. */
  destination?: pino.DestinationStream;
}

/**
 * A pino logger. `createLogger('warn', { component: 'x' })` is the short form of
 * `createLogger({ level: 'warn', bindings: { component: 'x' } })`.
 */
export function createLogger(levelOrOptions: LogLevel | LoggerOptions = 'info', bindings?: Record<string, unknown>): pino.Logger {
  const options: LoggerOptions = typeof levelOrOptions === 'string' ? { level: levelOrOptions, bindings } : levelOrOptions;
  const settings: pino.LoggerOptions = { level: options.level ?? 'info' };
  if (options.level === 'silent') return pino(settings);
  const format = options.format === 'auto' ? (process.stderr.isTTY ? 'pretty' : 'json') : options.format ?? 'json';
  const destination = format === 'pretty'
    ? pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : options.destination ?? pino.destination({ dest: 2, sync: true });
  const root = pino(settings, destination);
  return options.bindings && Object.keys(options.bindings).length > 0 ? root.child(options.bindings) : root;
}

/** Discards everything: the default of a bare Dispatcher, and of tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

const PINO_METHODS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'child'] as const;

/** Whether `logger` has every method fastify asks of its `loggerInstance` (a pino logger does). */
export function isPinoLike(logger: Logger): logger is Logger & Required<Pick<Logger, 'trace' | 'fatal' | 'child'>> {
  const methods = logger as unknown as Record<string, unknown>;
  return PINO_METHODS.every((name) => typeof methods[name] === 'function');
}

/** The level of a pino logger (undefined for other loggers). */
export function levelOf(logger: Logger): string | undefined {
  const level = (logger as { level?: unknown }).level;
  return typeof level === 'string' ? level : undefined;
}
