/**
 * The frame vocabulary every multiplexed Accord transport speaks (WebSocket, the TCP mesh, the
 * stream and event parts of NATS), version 1, as written down in docs/ws-protocol.md. Frames are
 * named by the side of a call that sends them: a caller (a client, or a mesh node calling a peer)
 * sends call/cancel/credit/subscribe frames, the callee answers with result/item/event frames.
 * Browser-safe: no Node imports.
 */
import type { WireError } from '../core/errors.js';
import type { ContractFingerprints } from '../core/contract-fingerprints.js';

export const PROTOCOL_VERSION = 1;
export const SUPPORTED_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

export type CodecName = 'json' | 'msgpack';

// Caller → callee
export interface HelloFrame {
  type: 'hello';
  version: number;
  codec: CodecName;
  metadata?: Record<string, string>;
  /** The method fingerprints the caller was built against (`<service>.v<N>` → method → hex prefix), checked per call by the server. */
  contracts?: ContractFingerprints;
}
export interface CallFrame {
  type: 'call';
  id: number;
  service: string;
  version?: number;
  method: string;
  input?: unknown;
  /** Remaining time in ms (a relative timeout: clocks differ between machines). */
  timeout?: number;
  metadata?: Record<string, string>;
  traceparent?: string;
  hops?: number;
  /** Node ids the call was routed through (mesh, NATS): a node that finds itself here ends it with LOOP_DETECTED. */
  visited?: string[];
  /** A server stream: items come as `item` frames while the caller grants credit. */
  stream?: boolean;
  /** Initial credit of a stream (items the callee may send before more is granted). */
  credit?: number;
}
export interface CancelFrame { type: 'cancel'; id: number }
export interface CreditFrame { type: 'credit'; id: number; credit: number }
export interface SubscribeFrame { type: 'subscribe'; id: number; service: string; version?: number; event: string }
export interface UnsubscribeFrame { type: 'unsubscribe'; id: number }

// Either way
export interface PingFrame { type: 'ping'; data?: unknown }
export interface PongFrame { type: 'pong'; data?: unknown }

// Callee → caller
export interface SessionLimits { maxFrameBytes: number; maxInFlight: number; maxStreamCredit: number; heartbeatIntervalMs: number }
export interface WelcomeFrame { type: 'welcome'; version: number; codec: CodecName; limits: SessionLimits }
export interface ResultFrame { type: 'result'; id: number; output: unknown }
/** A call's or subscription's error (with `id`), or the connection's (without; a close follows). */
export interface ErrorFrame { type: 'error'; id?: number; error: WireError }
export interface ItemFrame { type: 'item'; id: number; output: unknown }
export interface EndFrame { type: 'end'; id: number }
export interface SubscribedFrame { type: 'subscribed'; id: number; service: string; version: number; event: string }
export interface EventFrame { type: 'event'; id: number; data: unknown }
/** The callee is stopping: finish what is in flight, send new calls over a new connection. */
export interface GoAwayFrame { type: 'goaway'; reason?: string }

/** What a caller sends (a WebSocket client, the calling side of a mesh link). */
export type ClientFrame = HelloFrame | CallFrame | CancelFrame | CreditFrame | SubscribeFrame | UnsubscribeFrame | PingFrame | PongFrame;
/** What a callee sends (a WebSocket server, the serving side of a mesh link). */
export type ServerFrame = WelcomeFrame | ResultFrame | ErrorFrame | ItemFrame | EndFrame | SubscribedFrame | EventFrame | GoAwayFrame | PingFrame | PongFrame;
export type Frame = ClientFrame | ServerFrame;

/** Frames for one call, stream or subscription: the callee's answers carry the caller's id. */
export type ReplyFrame = (ResultFrame | ItemFrame | EndFrame | SubscribedFrame | EventFrame | ErrorFrame) & { id: number };

/**
 * Why a session closes its connection, transport-neutral: each adapter maps these to its own
 * signal (WebSocket close codes in runtime/transports/ws, a last frame and FIN on the mesh).
 */
export type CloseReason =
  | 'normal'
  | 'goingAway'
  | 'protocolError'
  | 'tooBig'
  | 'tryAgainLater'
  | 'internal'
  /** Caller side: the peer stopped answering heartbeats. */
  | 'heartbeatTimeout'
  /** Caller side: the peer sent something this side cannot read. */
  | 'peerProtocolError';
