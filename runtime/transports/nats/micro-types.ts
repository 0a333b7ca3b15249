/**
 * The NATS services protocol (ADR-32) documents Accord answers on `$SRV.PING|INFO|STATS`, and the
 * metadata keys Accord puts in them. Every Accord service version a process serves is one micro
 * service: name = the service's name, version = `<N>.0.0`, one endpoint per method.
 */

export const SRV_PREFIX = '$SRV';

export const MICRO_TYPES = {
  ping: 'io.nats.micro.v1.ping_response',
  info: 'io.nats.micro.v1.info_response',
  stats: 'io.nats.micro.v1.stats_response',
} as const;

/** Metadata keys (service level unless noted). */
export const META = {
  service: 'accord.service',
  version: 'accord.version',
  node: 'accord.node',
  prefix: 'accord.prefix',
  /** sha256 of the service version's contract (the same as generated/manifest.json). */
  fingerprint: 'accord.fingerprint',
  /** Endpoint level: 'unary' or 'stream'. */
  kind: 'accord.kind',
  /** Endpoint level: 'true' when generated clients may retry it. */
  idempotent: 'accord.idempotent',
  /** Endpoint level: the subject that reaches the highest version the answering process serves. */
  latestSubject: 'accord.latest_subject',
} as const;

export interface Identity {
  type: string;
  name: string;
  id: string;
  version: string;
  metadata: Record<string, string>;
}

export interface EndpointInfo {
  name: string;
  subject: string;
  queue_group: string;
  metadata: Record<string, string>;
}

export interface InfoResponse extends Identity {
  description: string;
  endpoints: EndpointInfo[];
}

export interface EndpointStats {
  name: string;
  subject: string;
  queue_group: string;
  num_requests: number;
  num_errors: number;
  last_error: string;
  /** Nanoseconds, integer. */
  processing_time: number;
  /** Nanoseconds, integer (truncated; 0 without requests). */
  average_processing_time: number;
}

export interface StatsResponse extends Identity {
  /** RFC 3339, UTC. */
  started: string;
  endpoints: EndpointStats[];
}
