/**
 * Opening a NATS connection for the server transport or the client: servers and auth (token,
 * user/password, nkey seed, credentials file) passed through to nats.js, plus the few other nats.js
 * options worth tuning, checked by name. When NATS is down at start, `connectWaitMs` decides:
 * fail at once (0, the default) with an error naming the servers, or keep trying for that long.
 * TLS (`tls: { ca, cert, key }` or their `...File` forms) is nats.js's own, passed through: a
 * server that requires TLS gets it, and one whose certificate is not trusted is refused.
 */
import { readFileSync } from 'node:fs';
import { AuthorizationError, connect, credsAuthenticator, nkeyAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { backoffDelay, sleep } from '../../core/backoff.js';

export interface NatsConnectOptions {
  /** NATS server URLs (`nats://host:4222`), one or a list; default `nats://127.0.0.1:4222`. */
  servers?: string | string[];
  token?: string;
  user?: string;
  pass?: string;
  /** An nkey seed (`SU...`) for nkey authentication. */
  nkeySeed?: string;
  /** A credentials file (user JWT and nkey seed, as `nsc` writes them). */
  credentialsFile?: string;
  /** Connection name shown in NATS monitoring (/connz). */
  name?: string;
  /** When NATS is unreachable at start: 0 fails at once (default); more keeps trying that long. */
  connectWaitMs?: number;
  /**
   * TLS, passed through to nats.js: `ca` (or `caFile`) to trust the server's certificate, `cert` and
   * `key` (or `certFile`, `keyFile`) when the server asks for client certificates. A server that
   * requires TLS gets it even without this option (then trusted by the system's CAs).
   */
  tls?: NodeConnectionOptions['tls'];
  /** nats.js options passed through as they are. */
  reconnect?: boolean;
  /** Default here: -1 (never give up); nats.js's own default is 10. */
  maxReconnectAttempts?: number;
  reconnectTimeWait?: number;
  reconnectJitter?: number;
  reconnectJitterTLS?: number;
  pingInterval?: number;
  maxPingOut?: number;
  /** Per connection attempt (nats.js `timeout`, default 20 s). */
  timeout?: number;
  noRandomize?: boolean;
  ignoreClusterUpdates?: boolean;
  inboxPrefix?: string;
  debug?: boolean;
}

/** The option names NatsConnectOptions takes (transport and client options add their own). */
export const CONNECT_OPTION_NAMES = [
  'servers', 'token', 'user', 'pass', 'nkeySeed', 'credentialsFile', 'name', 'connectWaitMs', 'tls', 'reconnect',
  'maxReconnectAttempts', 'reconnectTimeWait', 'reconnectJitter', 'reconnectJitterTLS', 'pingInterval', 'maxPingOut',
  'timeout', 'noRandomize', 'ignoreClusterUpdates', 'inboxPrefix', 'debug',
] as const;

const PASSED_THROUGH = [
  'token', 'user', 'pass', 'tls', 'reconnect', 'maxReconnectAttempts', 'reconnectTimeWait', 'reconnectJitter', 'reconnectJitterTLS',
  'pingInterval', 'maxPingOut', 'timeout', 'noRandomize', 'ignoreClusterUpdates', 'inboxPrefix', 'debug',
] as const;

/** Throws naming the option when `options` has one that neither list knows (a typo must not pass silently). */
export function checkOptionNames(options: object, extra: readonly string[], where: string): void {
  const known = new Set<string>([...CONNECT_OPTION_NAMES, ...extra]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`${where}: unknown option '${key}'; known options: ${[...known].join(', ')}`);
  }
}

/** The server URLs, checked (a TypeError names the field and the bad entry). */
export function serverList(servers: unknown, where: string): string[] {
  const list = servers === undefined ? ['nats://127.0.0.1:4222'] : typeof servers === 'string' ? servers.split(',').map((s) => s.trim()).filter(Boolean) : servers;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new TypeError(`${where}.servers must be a NATS URL or a non-empty list of them (e.g. 'nats://127.0.0.1:4222'), got ${JSON.stringify(servers)}`);
  }
  return list as string[];
}

function nonNegative(value: unknown, field: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`${field} must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
  return value;
}

/** nats.js options for `options`; `defaults` are ours (noAsyncTraces, noEcho, a name). */
export function natsOptions(options: NatsConnectOptions, defaults: Partial<NodeConnectionOptions>, where: string): NodeConnectionOptions {
  const out: NodeConnectionOptions = { maxReconnectAttempts: -1, noAsyncTraces: true, ...defaults, servers: serverList(options.servers, where) };
  for (const key of PASSED_THROUGH) if (options[key] !== undefined) (out as Record<string, unknown>)[key] = options[key];
  if (options.name !== undefined) out.name = options.name;
  if (options.nkeySeed !== undefined) {
    if (typeof options.nkeySeed !== 'string' || !options.nkeySeed.startsWith('S')) throw new TypeError(`${where}.nkeySeed must be an nkey seed (a string starting with 'S')`);
    out.authenticator = nkeyAuthenticator(new TextEncoder().encode(options.nkeySeed));
  }
  if (options.credentialsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(options.credentialsFile);
    } catch (error) {
      throw new TypeError(`${where}.credentialsFile: cannot read '${options.credentialsFile}': ${(error as Error).message}`);
    }
    out.authenticator = credsAuthenticator(creds);
  }
  return out;
}

/** Node's codes for a server certificate that does not verify. */
const UNTRUSTED_CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;

function untrustedCertificate(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && UNTRUSTED_CERTIFICATE.test(code);
}

/** What to do about a TLS failure, when the error looks like one. */
function tlsHint(error: unknown, opts: NodeConnectionOptions, where: string): string {
  if (untrustedCertificate(error)) return ` (the NATS server's TLS certificate is not trusted: give ${where}.tls.ca, or caFile, the CA that signed it)`;
  // nats.js sees a server that refuses the client's certificate only as a connection that never answers.
  if (opts.tls && (opts.tls.cert || opts.tls.certFile) && /timeout/i.test((error as Error)?.message ?? '')) return ' (if the server checks client certificates, it may have refused tls.cert: nats.js reports that only as a timeout)';
  return '';
}

/**
 * Connects, or throws an Error naming the servers and the cause. With `connectWaitMs` it retries
 * with backoff until that time has passed; an authorization failure or an untrusted server
 * certificate is final at once.
 */
export async function openConnection(options: NatsConnectOptions, defaults: Partial<NodeConnectionOptions>, where: string): Promise<NatsConnection> {
  const opts = natsOptions(options, defaults, where);
  const waitMs = nonNegative(options.connectWaitMs, `${where}.connectWaitMs`);
  const until = Date.now() + waitMs;
  const servers = (opts.servers as string[]).join(', ');
  for (let attempt = 0; ; attempt++) {
    const left = until - Date.now();
    try {
      return await connect(waitMs > 0 && opts.timeout === undefined ? { ...opts, timeout: Math.max(500, Math.min(20_000, left)) } : opts);
    } catch (error) {
      const leftNow = until - Date.now();
      const final = error instanceof AuthorizationError || untrustedCertificate(error);
      if (final || leftNow <= 0) {
        const waited = final ? '' : waitMs > 0 ? ` after trying for ${waitMs} ms` : ' (set connectWaitMs to keep trying)';
        throw new Error(`${where}: cannot connect to NATS at ${servers}${waited}: ${(error as Error)?.message ?? String(error)}${tlsHint(error, opts, where)}`, { cause: error });
      }
      // The last attempt lands on the end of the wait, not before it.
      await sleep(Math.min(leftNow, backoffDelay(attempt, { initialMs: 100, maxMs: 2_000 })));
    }
  }
}
