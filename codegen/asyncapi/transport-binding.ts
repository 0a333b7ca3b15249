/**
 * What a transport adds to the AsyncAPI document for the events and server streams it carries:
 * a server, each channel's address and protocol bindings, and how a client speaks to it (frames,
 * subjects) as an `x-accord-<transport>` extension on each operation. A transport is a file here
 * (ws.ts, nats.ts, mesh.ts) and one entry in TRANSPORT_BINDINGS.
 */
import type { ServiceContract } from '../../runtime/contract/index.js';
import { meshBinding } from './mesh.js';
import { natsBinding } from './nats.js';
import { wsBinding } from './ws.js';

type Doc = Record<string, unknown>;

/** An event a service emits, or a server stream a client starts. */
export interface AsyncTarget {
  service: ServiceContract;
  kind: 'event' | 'stream';
  /** The event or method name. */
  name: string;
}

export interface TransportBinding {
  /** Key in `servers`, suffix of channel and operation ids, and the `x-accord-<id>` extension name. */
  id: string;
  /** The AsyncAPI Server Object. */
  server: Doc;
  /** The channel's address on this transport, or null when it has none (WS: one socket carries all). */
  address(target: AsyncTarget): string | null;
  /** Channel Bindings Object (keyed by protocol), if the transport has one. */
  channelBindings?(target: AsyncTarget): Doc;
  /** Operation Bindings Object (keyed by protocol), if the transport has one. */
  operationBindings?(target: AsyncTarget): Doc;
  /** How a client subscribes to the event or runs the stream here, in a sentence or two. */
  describe(target: AsyncTarget): string;
  /** The frames or messages a client exchanges, as templates (`x-accord-<id>` on the operation). */
  usage(target: AsyncTarget): Doc;
}

/** Every transport that carries events and streams. Order is the document's order. */
export const TRANSPORT_BINDINGS: TransportBinding[] = [wsBinding, natsBinding, meshBinding];
