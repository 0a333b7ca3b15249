/**
 * The mesh's options (config `transports.mesh`, env ACCORD_MESH_PORT / ACCORD_MESH_SEEDS /
 * ACCORD_MESH_KEY), their defaults and their checks. Mistakes fail at start with a message naming
 * the option, before any socket opens.
 */
import type { ServiceContract } from '../../contract/index.js';
import { AccordError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { parseVisited } from '../../core/meta-headers.js';
import { formatAddress, parseAddress, type MeshTls } from './sockets.js';

export interface MeshOptions {
  /** Port to listen on for peers (0: any free port). Without one the node only dials. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** `host:port` other nodes should dial to reach this one (default: host:port, unless host is a wildcard). */
  advertise?: string;
  /** Peers to dial, `host:port` (a list, or a comma-separated string). Listing this node's own address is fine. */
  seeds?: string[] | string;
  /** The shared mesh key (at least 16 characters). Peers prove they know it; it is never sent. */
  key?: string;
  /** `true`: TLS 1.3 with a pre-shared key derived from `key`; an object: certificate TLS (node's tls options). */
  tls?: MeshTls;
  /** Contracts this node expects (beyond those it serves): nodes whose fingerprints differ are never routed to. */
  contracts?: ServiceContract[];
  /** Forward calls and events for other nodes (default true; a meshClient does not). */
  relay?: boolean;
  /** Dial nodes learnt from gossip, forming a full mesh (default true). Off: only seeds are dialed. */
  dialDiscovered?: boolean;
  /**
   * Calls for methods this node serves run here (default true). `false`: such a call, where it
   * enters the mesh, goes to another node serving the method when that node has fewer calls in
   * flight from here than this node runs now (balanced once, then run where it lands).
   */
  localFirst?: boolean;
  /** Links at most (default 64); past it no more are dialed and new peers are refused. */
  maxPeers?: number;
  /** Largest message a peer may send, in bytes (default 4 MiB). */
  maxFrameBytes?: number;
  /** Calls and streams from one peer running here at once (default 4,096). */
  maxInFlightPerLink?: number;
  /** Calls this node routes to other nodes at once (default 16,384); past it RESOURCE_EXHAUSTED. */
  maxRoutedInFlight?: number;
  /** Largest credit window a peer may grant a stream (default 1,024). */
  streamCreditWindow?: number;
  /** Items a stream routed from this node keeps outstanding (default 32). */
  streamWindow?: number;
  /** Socket bytes past which streams pause (default 1 MiB). */
  highWaterBytes?: number;
  /** Socket bytes past which events to a peer are dropped (default 16 MiB). */
  maxEventBufferBytes?: number;
  /** Ping a peer after this long without frames; no answer within as long again drops the link (default 5 s). */
  heartbeatIntervalMs?: number;
  /** The handshake (TLS included) must finish within this time (default 5 s). */
  handshakeTimeoutMs?: number;
  /** A dial attempt gives up after this long (default 3 s). */
  connectTimeoutMs?: number;
  /** Backoff between dial attempts (full jitter): first delay and ceiling (default 100 ms and 5 s). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; factor?: number };
  /** Forget nodes unreachable for this long (default 60 s). */
  forgetAfterMs?: number;
  /** Connections still in their handshake at once (default 64). */
  maxPendingHandshakes?: number;
  /** Logger (default: the dispatcher's). */
  logger?: Logger;
}

export interface ResolvedMeshOptions {
  port: number | undefined;
  host: string;
  advertise: string | undefined;
  seeds: string[];
  key: string;
  tls: MeshTls;
  contracts: ServiceContract[];
  relay: boolean;
  dialDiscovered: boolean;
  localFirst: boolean;
  maxPeers: number;
  maxFrameBytes: number;
  maxInFlightPerLink: number;
  maxRoutedInFlight: number;
  streamCreditWindow: number;
  streamWindow: number;
  highWaterBytes: number;
  maxEventBufferBytes: number;
  heartbeatIntervalMs: number;
  handshakeTimeoutMs: number;
  connectTimeoutMs: number;
  reconnect: { initialMs: number; maxMs: number; factor: number };
  forgetAfterMs: number;
  maxPendingHandshakes: number;
  logger: Logger | undefined;
}

const KNOWN = new Set([
  'port', 'host', 'advertise', 'seeds', 'key', 'tls', 'contracts', 'relay', 'dialDiscovered', 'localFirst', 'maxPeers', 'maxFrameBytes',
  'maxInFlightPerLink', 'maxRoutedInFlight', 'streamCreditWindow', 'streamWindow', 'highWaterBytes', 'maxEventBufferBytes',
  'heartbeatIntervalMs', 'handshakeTimeoutMs', 'connectTimeoutMs', 'reconnect', 'forgetAfterMs', 'maxPendingHandshakes', 'logger',
]);

const MIN_KEY_LENGTH = 16;
/** The smallest `maxFrameBytes` a node takes, or accepts from a peer's `state`: room for any control frame and error. */
export const MIN_FRAME_BYTES = 64 * 1024;

function invalid(field: string, problem: string): AccordError {
  return new AccordError('INVALID_ARGUMENT', `transports.mesh.${field} ${problem}`);
}

function count(options: MeshOptions, field: keyof MeshOptions, fallback: number, min = 1): number {
  const value = options[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw invalid(field, `must be a number ≥ ${min}, got ${JSON.stringify(value)}`);
  return value;
}

function flag(options: MeshOptions, name: 'localFirst', fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(name, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks the options and fills in defaults; throws INVALID_ARGUMENT naming the option. */
export function resolveMeshOptions(options: MeshOptions, defaults: { relay: boolean }): ResolvedMeshOptions {
  for (const name of Object.keys(options)) if (!KNOWN.has(name)) throw invalid(name, `is not a mesh option (known: ${[...KNOWN].join(', ')})`);
  const { key } = options;
  if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH) {
    throw invalid('key', `must be a shared secret of at least ${MIN_KEY_LENGTH} characters (ACCORD_MESH_KEY); every node of a mesh uses the same one`);
  }
  const port = options.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw invalid('port', `must be a port number (0-65535), got ${JSON.stringify(port)}`);
  const host = options.host ?? '127.0.0.1';
  const rawSeeds = typeof options.seeds === 'string' ? options.seeds.split(',').map((s) => s.trim()).filter(Boolean) : options.seeds ?? [];
  if (!Array.isArray(rawSeeds)) throw invalid('seeds', 'must be a list of host:port');
  const seeds = rawSeeds.map((seed, i) => formatAddress(parseAddress(String(seed), `transports.mesh.seeds[${i}]`)));
  let advertise = options.advertise;
  if (advertise !== undefined) advertise = formatAddress(parseAddress(advertise, 'transports.mesh.advertise'));
  if (options.tls !== undefined && typeof options.tls !== 'boolean' && (typeof options.tls !== 'object' || options.tls === null)) {
    throw invalid('tls', 'must be true (TLS with the mesh key) or an object of TLS options (key, cert, ca)');
  }
  if (options.contracts !== undefined && !Array.isArray(options.contracts)) throw invalid('contracts', 'must be a list of service contracts');
  const reconnect = options.reconnect ?? {};
  return {
    port,
    host,
    advertise,
    seeds,
    key,
    tls: options.tls,
    contracts: options.contracts ?? [],
    relay: options.relay ?? defaults.relay,
    dialDiscovered: options.dialDiscovered ?? true,
    localFirst: flag(options, 'localFirst', true),
    maxPeers: count(options, 'maxPeers', 64),
    maxFrameBytes: count(options, 'maxFrameBytes', 4 * 1024 * 1024, MIN_FRAME_BYTES),
    maxInFlightPerLink: count(options, 'maxInFlightPerLink', 4096),
    maxRoutedInFlight: count(options, 'maxRoutedInFlight', 16_384),
    streamCreditWindow: count(options, 'streamCreditWindow', 1024),
    streamWindow: count(options, 'streamWindow', 32),
    highWaterBytes: count(options, 'highWaterBytes', 1024 * 1024),
    maxEventBufferBytes: count(options, 'maxEventBufferBytes', 16 * 1024 * 1024),
    heartbeatIntervalMs: count(options, 'heartbeatIntervalMs', 5_000, 0),
    handshakeTimeoutMs: count(options, 'handshakeTimeoutMs', 5_000),
    connectTimeoutMs: count(options, 'connectTimeoutMs', 3_000),
    reconnect: { initialMs: reconnect.initialDelayMs ?? 100, maxMs: reconnect.maxDelayMs ?? 5_000, factor: reconnect.factor ?? 2 },
    forgetAfterMs: count(options, 'forgetAfterMs', 60_000),
    maxPendingHandshakes: count(options, 'maxPendingHandshakes', 64),
    logger: options.logger,
  };
}

/** A node id for the mesh: the dispatcher's, checked like the visited list checks it. */
export function checkNodeId(nodeId: string, field: string): string {
  try {
    parseVisited([nodeId], field);
  } catch {
    throw new AccordError('INVALID_ARGUMENT', `${field} '${nodeId}' is not a usable mesh node id: use letters, digits, '.', '_', '-' or ':' (at most 128)`);
  }
  return nodeId;
}
