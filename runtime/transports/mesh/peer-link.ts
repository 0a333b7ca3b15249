/**
 * One authenticated mesh link: a single TCP connection carrying calls both ways. Its FrameChannel
 * (role 'peer') hands caller frames (call, cancel, credit) to a ServerSession, which runs them on
 * this node's dispatcher, and callee frames (result, item, end, error, goaway) to a ClientSession
 * opened without a hello, which carries this node's calls to the peer. Control frames (state,
 * gossip, events) go to the node. When the connection dies, calls in flight over it fail at once
 * with UNAVAILABLE (ClientSession) and handlers running for the peer see their signal abort.
 */
import type { OutgoingCall } from '../../core/client-transport.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import { AccordError, type WireError } from '../../core/errors.js';
import type { InFlight } from '../../core/in-flight.js';
import { FrameChannel } from '../../link/channel.js';
import type { CallHost, SessionUser } from '../../link/client-calls.js';
import { ClientSession } from '../../link/client-session.js';
import { isCallerFrame, parsePeerFrame } from '../../link/frame-validation.js';
import type { CallFrame, CloseReason, Frame, ServerFrame } from '../../link/frames.js';
import { ServerSession } from '../../link/server-session.js';
import type { ControlFrame, EventFrame, GossipFrame, StateFrame } from './control-frames.js';
import type { FramedSocket } from './framed-socket.js';
import type { HandshakeResult } from './handshake.js';
import { MIN_FRAME_BYTES } from './options.js';
import { RoutedStreamCall, RoutedUnaryCall, type AttemptHost, type RoutedUnary } from './routed-call.js';
import { FINGERPRINT_HEADER, fingerprintMatches } from './route-table.js';

export interface LinkLimits {
  maxFrameBytes: number;
  /** Calls and streams from the peer running at once on this link. */
  maxInFlight: number;
  maxStreamCredit: number;
  highWaterBytes: number;
  maxEventBufferBytes: number;
  heartbeatIntervalMs: number;
  /** Items a stream routed over this link may have outstanding. */
  streamWindow: number;
}

/** What a link needs to know of the services of its own node. */
export interface LocalServices {
  self: string;
  /** Whether this node forwards calls for other nodes. */
  relays: boolean;
  /** The fingerprint this node serves a method with; undefined when it does not serve it. */
  fingerprint(service: string, version: number | undefined, method: string): string | undefined;
}

export interface LinkEvents {
  state(link: PeerLink, frame: StateFrame): void;
  gossip(link: PeerLink, frame: GossipFrame): void;
  event(link: PeerLink, frame: EventFrame): void;
  /** The peer sent goaway: send it nothing new. */
  goaway(link: PeerLink): void;
  closed(link: PeerLink, error: AccordError): void;
}

export class PeerLink implements CallHost {
  readonly peer: string;
  /** The peer process's instance id (HelloFrame.instance). */
  readonly instance: string | undefined;
  readonly role: HandshakeResult['role'];
  readonly socket: FramedSocket;
  /** When the link came up (epoch ms): a link replaced by another shows a new time. */
  readonly since = Date.now();
  readonly #channel: FrameChannel;
  readonly #server: ServerSession;
  readonly #client: ClientSession;
  readonly #events: LinkEvents;
  readonly #local: LocalServices;
  readonly #streamWindow: number;
  #nextId = 1;
  #closed = false;
  /** The peer's state frame arrived (its records are known). */
  synced = false;
  #resolveSynced!: (closedFirst: AccordError | undefined) => void;
  /** Why the peer refused the link after the handshake (it found this node's id in use), if it did. */
  #refusal: AccordError | undefined;
  /** Settles when the peer's state frame arrived (undefined), or with why the link closed first. */
  readonly whenSynced = new Promise<AccordError | undefined>((resolve) => {
    this.#resolveSynced = resolve;
  });

  constructor(socket: FramedSocket, result: HandshakeResult, dispatcher: Dispatcher, limits: LinkLimits, events: LinkEvents, local: LocalServices) {
    this.peer = result.peer;
    this.instance = result.instance;
    this.role = result.role;
    this.socket = socket;
    this.#events = events;
    this.#local = local;
    this.#channel = new FrameChannel(socket, { codec: 'msgpack', parse: parsePeerFrame, maxMessageBytes: limits.maxFrameBytes, highWaterBytes: limits.highWaterBytes }, (frame) => this.#onFrame(frame));
    this.#server = new ServerSession(this.#channel, dispatcher, {
      limits: { maxInFlight: limits.maxInFlight, maxStreamCredit: limits.maxStreamCredit, maxSubscriptions: 0, maxEventBufferBytes: limits.maxEventBufferBytes },
      headers: {},
      idPrefix: `mesh-${result.peer}`,
      transport: 'mesh',
      close: (reason, message) => this.close(reason, message),
    });
    this.#client = new ClientSession(this.#channel, { peer: `mesh node '${result.peer}'`, heartbeatIntervalMs: limits.heartbeatIntervalMs, heartbeatWhenIdle: true }, {
      onSubscriptionFrame: () => false,
      onGoAway: () => events.goaway(this),
      hasSubscriptions: () => false,
      onClosed: (_session, error) => this.#onClosed(error),
    });
    this.#streamWindow = limits.streamWindow;
    socket.receiver = {
      control: (frame) => this.#onControl(frame),
      session: (message) => this.#channel.receive(message, true),
      oversize: (id) => this.#server.handle({ type: 'cancel', id }),
      fail: (error) => this.close('protocolError', error.message),
      closed: (error) => this.#onClosed(error),
    };
  }

  /**
   * Open, the peer's state frame arrived (its record, with the services it serves, is the one
   * routing reads) and the peer has not said goaway: new calls may go here.
   */
  get usable(): boolean {
    return this.synced && !this.#closed && this.#client.open && !this.#client.draining;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Calls this node has in flight over the link. */
  get outgoing(): number {
    return this.#client.calls.size;
  }

  /** Calls from the peer running here. */
  get incoming(): InFlight {
    return this.#server.inFlight;
  }

  /** Bytes waiting to be sent. */
  get buffered(): number {
    return this.#channel.buffered;
  }

  withSession(user: SessionUser): void {
    if (this.usable) user.attach(this.#client);
    else user.fail(new AccordError('UNAVAILABLE', `the link to mesh node '${this.peer}' is ${this.#closed ? 'closed' : 'going away'}`));
  }

  /** One attempt of a routed unary call, to `node` through this peer; `router` hears when it ends. */
  unary(call: OutgoingCall, routed: RoutedUnary, router: AttemptHost, node: string): void {
    new RoutedUnaryCall(this, this.#nextId++, call, routed, router, node).start();
  }

  /** A server stream from `node` through this peer, with credit; `return()` on the iterator cancels it there. */
  stream(call: OutgoingCall, router: AttemptHost, node: string): AsyncIterator<unknown> {
    return new RoutedStreamCall(this, this.#nextId++, call, this.#streamWindow, router, node).items;
  }

  /** Writes a control frame after what the sessions queued, so order is kept. */
  sendControl(frame: ControlFrame): boolean {
    if (this.#closed) return false;
    this.#channel.flush();
    return this.socket.sendControl(frame);
  }

  /** Graceful stop, step one: the peer sends nothing new; what it has in flight here may finish. */
  drain(reason: string): void {
    if (!this.#closed) this.#server.drain(reason);
  }

  /** Ends the link: calls still running for the peer end with UNAVAILABLE, ours fail with it. */
  close(reason: CloseReason, message: string): void {
    if (this.#closed) return;
    this.#server.endCalls(this.#server.draining ? undefined : new AccordError('UNAVAILABLE', `mesh node closed the link: ${message}`));
    this.#client.close(new AccordError('UNAVAILABLE', `the link to mesh node '${this.peer}' was closed: ${message}`), reason);
  }

  stats(): { peer: string; since: number; outgoing: number; incoming: number; buffered: number; usable: boolean } {
    return { peer: this.peer, since: this.since, outgoing: this.outgoing, incoming: this.#server.stats().inFlight, buffered: this.buffered, usable: this.usable };
  }

  #onFrame(frame: Frame): void {
    if (!isCallerFrame(frame)) return this.#client.handle(frame as ServerFrame);
    if (frame.type === 'call' && this.#refused(frame)) return;
    this.#server.handle(frame);
  }

  /**
   * Calls that end before they reach the dispatcher: one that expects another contract than the one
   * served here, and one this node would have to forward when it does not relay for others.
   */
  #refused(frame: CallFrame): boolean {
    const expected = frame.metadata?.[FINGERPRINT_HEADER];
    if (expected === undefined && this.#local.relays) return false;
    const served = this.#local.fingerprint(frame.service, frame.version ?? undefined, frame.method);
    const where = () => `${frame.service}.${frame.version === undefined ? '' : `v${frame.version}.`}${frame.method}`;
    let error: WireError | undefined;
    if (served === undefined && !this.#local.relays) {
      error = { code: 'UNAVAILABLE', message: `mesh node '${this.#local.self}' does not serve ${where()} and does not forward calls for other nodes` };
    } else if (served !== undefined && expected !== undefined && !fingerprintMatches(served, expected)) {
      error = { code: 'FAILED_PRECONDITION', message: `the caller expects another contract of ${where()} (fingerprint ${expected.slice(0, 12)}…) than the one served here (${served.slice(0, 12)}…)` };
    }
    if (error) this.#channel.send({ type: 'error', id: frame.id, error });
    return error !== undefined;
  }

  #onControl(frame: ControlFrame): void {
    switch (frame.type) {
      case 'state': {
        // Limits are agreed once: a later state could shrink them until not even an error fits.
        const refused = this.#stateRefusal(frame);
        if (refused) return this.close('protocolError', refused);
        this.socket.peerMaxBytes = frame.maxFrameBytes;
        this.#channel.maxMessageBytes = frame.maxFrameBytes;
        this.synced = true;
        this.#events.state(this, frame);
        return this.#resolveSynced(undefined);
      }
      case 'gossip':
        return this.#events.gossip(this, frame);
      case 'event':
        return this.#events.event(this, frame);
      case 'refuse': {
        // The acceptor admits a dialer only after its proof: a refusal then comes after this side's handshake ended.
        const refusal = AccordError.fromWire(frame.error);
        this.#refusal = new AccordError(refusal.code, `mesh node '${this.peer}' refused the link: ${refusal.message}`, refusal.data);
        return this.close('normal', this.#refusal.message);
      }
      default:
        return this.close('protocolError', `unexpected mesh '${frame.type}' frame after the handshake`);
    }
  }

  /** Why the peer's state frame is refused (a second one, or a frame limit below the minimum), or undefined. */
  #stateRefusal(frame: StateFrame): string | undefined {
    // Short: the reason travels in a close that may be cut to 123 bytes, after the link's own prefix.
    if (this.synced) return 'got a second state frame (state is sent once, after the handshake)';
    if (frame.maxFrameBytes < MIN_FRAME_BYTES) return `got state maxFrameBytes ${frame.maxFrameBytes}, below the minimum of ${MIN_FRAME_BYTES}`;
    return undefined;
  }

  #onClosed(error: AccordError): void {
    if (this.#closed) return;
    this.#closed = true;
    const failure = error.message.includes(`'${this.peer}'`) ? error : new AccordError('UNAVAILABLE', `the link to mesh node '${this.peer}' closed (${error.message})`);
    this.#channel.closed();
    this.#server.closed();
    this.#client.closed(failure);
    this.socket.end();
    this.#resolveSynced(this.#refusal ?? failure);
    this.#events.closed(this, failure);
  }
}
