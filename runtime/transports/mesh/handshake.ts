/**
 * The mesh handshake, run on every new connection before any session exists:
 *
 *   dialer   → hello { protocols, node, instance, nonce }
 *   acceptor → hello { protocols: [chosen], node, instance, nonce, proof }   (it knows both nonces)
 *   dialer   → auth  { proof }                                                (after checking the acceptor's)
 *
 * then each side opens its sessions and sends `state`. Either side answers anything else, a bad
 * proof, an unknown protocol version, a node id already in use or a timeout with `refuse` and
 * closes. Each side admits the other (`admit`: node id, peer limit) only once it proved the key,
 * so nothing about this node's links is told to a peer that did not. `authenticated` is
 * called synchronously while the message is handled, so the link takes over the socket before the
 * next message in the same chunk is read.
 */
import { AccordError } from '../../core/errors.js';
import { protocolError } from '../../link/frame-codec.js';
import { MESH_PROTOCOLS, type ControlFrame, type HelloFrame } from './control-frames.js';
import type { FramedSocket } from './framed-socket.js';
import { newNonce, proofMatches, type HandshakeRole, type MeshKey } from './peer-auth.js';

export interface HandshakeOptions {
  self: string;
  /** This process's instance id (see HelloFrame.instance). */
  instance: string;
  key: MeshKey;
  role: HandshakeRole;
  timeoutMs: number;
  /** Nonces of this node's own dialer hellos in flight: meeting one is this node dialing itself. */
  ownNonces: Set<string>;
  /** A last word on a peer that proved the key (its id in use, peer limit, stopping); an error refuses it. */
  admit(peer: string, instance: string | undefined, role: HandshakeRole): AccordError | undefined;
}

export interface HandshakeResult {
  peer: string;
  /** The peer's instance id, when it sent one. */
  instance: string | undefined;
  protocol: number;
  role: HandshakeRole;
}

export interface HandshakeEvents {
  authenticated(result: HandshakeResult): void;
  failed(error: AccordError): void;
}

/** Data of the refusal a node sends when it finds it has dialed itself. */
export const SELF_DIAL = 'self';

export class Handshake {
  readonly #socket: FramedSocket;
  readonly #options: HandshakeOptions;
  readonly #events: HandshakeEvents;
  readonly #nonce = newNonce();
  readonly #timer: ReturnType<typeof setTimeout>;
  #peer: HelloFrame | undefined;
  #protocol = 0;
  #done = false;

  constructor(socket: FramedSocket, options: HandshakeOptions, events: HandshakeEvents) {
    this.#socket = socket;
    this.#options = options;
    this.#events = events;
    socket.receiver = {
      control: (frame) => this.#onControl(frame),
      session: () => this.#refuse(protocolError('a session frame arrived before the mesh handshake finished')),
      oversize: () => undefined,
      fail: (error) => this.#refuse(error),
      closed: (error) => this.#fail(new AccordError('UNAVAILABLE', `${this.#who()} closed the connection during the mesh handshake (${error.message})`)),
    };
    this.#timer = setTimeout(() => this.#refuse(new AccordError('UNAVAILABLE', `${this.#who()} did not finish the mesh handshake within ${options.timeoutMs} ms`)), options.timeoutMs);
    this.#timer.unref?.();
    if (options.role === 'dialer') {
      options.ownNonces.add(Buffer.from(this.#nonce).toString('hex'));
      socket.sendControl({ type: 'hello', protocols: [...MESH_PROTOCOLS], node: options.self, instance: options.instance, nonce: this.#nonce });
    }
  }

  /** Whether it has ended (authenticated, refused or failed). */
  get finished(): boolean {
    return this.#done;
  }

  /** Ends it from outside (the node makes room for a newer connection): refuse with `error`, then close. */
  evict(error: AccordError): void {
    this.#refuse(error);
  }

  #who(): string {
    return this.#peer ? `mesh node '${this.#peer.node}' (${this.#socket.remote})` : `mesh peer ${this.#socket.remote}`;
  }

  #onControl(frame: ControlFrame): void {
    if (this.#done) return;
    if (frame.type === 'refuse') {
      const error = AccordError.fromWire(frame.error);
      return this.#fail(new AccordError(error.code, `${this.#who()} refused the mesh handshake: ${error.message}`, error.data));
    }
    if (this.#options.role === 'acceptor') {
      if (!this.#peer && frame.type === 'hello') return this.#acceptHello(frame);
      if (this.#peer && frame.type === 'auth') return this.#checkProof(frame.proof);
    } else if (!this.#peer && frame.type === 'hello') {
      return this.#dialerHello(frame);
    }
    this.#refuse(protocolError(`unexpected mesh '${frame.type}' frame during the handshake`));
  }

  #acceptHello(hello: HelloFrame): void {
    const { self, key } = this.#options;
    if (this.#options.ownNonces.has(Buffer.from(hello.nonce).toString('hex'))) {
      return this.#refuse(new AccordError('FAILED_PRECONDITION', `node '${self}' dialed its own address`, { reason: SELF_DIAL }));
    }
    this.#peer = hello;
    if (hello.node === self) return this.#refuse(new AccordError('FAILED_PRECONDITION', `the node at ${this.#socket.remote} uses this node's id '${self}'; give every node its own id (ACCORD_NODE_ID)`));
    const protocol = Math.max(...hello.protocols.filter((p) => MESH_PROTOCOLS.includes(p)));
    if (!Number.isFinite(protocol)) {
      return this.#refuse(protocolError(`mesh protocol versions ${hello.protocols.join(', ')} are not supported`, { supported: MESH_PROTOCOLS }));
    }
    this.#protocol = protocol;
    const proof = key.proof('acceptor', protocol, hello.node, self, hello.nonce, this.#nonce);
    this.#socket.sendControl({ type: 'hello', protocols: [protocol], node: self, instance: this.#options.instance, nonce: this.#nonce, proof });
  }

  #dialerHello(hello: HelloFrame): void {
    const { self, key } = this.#options;
    this.#peer = hello;
    const protocol = hello.protocols[0]!;
    if (hello.protocols.length !== 1 || !MESH_PROTOCOLS.includes(protocol)) {
      return this.#refuse(protocolError(`the acceptor chose mesh protocol ${hello.protocols.join(', ')}, which this node does not speak`, { supported: MESH_PROTOCOLS }));
    }
    this.#protocol = protocol;
    const expected = key.proof('acceptor', protocol, self, hello.node, this.#nonce, hello.nonce);
    if (!proofMatches(expected, hello.proof)) {
      return this.#refuse(new AccordError('UNAUTHENTICATED', `${this.#who()} could not prove it knows the mesh key`));
    }
    const refusal = this.#options.admit(hello.node, hello.instance, 'dialer');
    if (refusal) return this.#refuse(refusal);
    this.#socket.sendControl({ type: 'auth', proof: key.proof('dialer', protocol, self, hello.node, this.#nonce, hello.nonce) });
    this.#succeed();
  }

  #checkProof(proof: Uint8Array): void {
    const { self, key } = this.#options;
    const peer = this.#peer!;
    const expected = key.proof('dialer', this.#protocol, peer.node, self, peer.nonce, this.#nonce);
    if (!proofMatches(expected, proof)) return this.#refuse(new AccordError('UNAUTHENTICATED', `${this.#who()} could not prove it knows the mesh key`));
    const refusal = this.#options.admit(peer.node, peer.instance, 'acceptor');
    if (refusal) return this.#refuse(refusal);
    this.#succeed();
  }

  #succeed(): void {
    this.#finish();
    this.#socket.authenticated();
    this.#events.authenticated({ peer: this.#peer!.node, instance: this.#peer!.instance, protocol: this.#protocol, role: this.#options.role });
  }

  #refuse(error: AccordError): void {
    if (this.#done) return;
    this.#socket.refuse(error);
    this.#fail(error);
  }

  #fail(error: AccordError): void {
    if (this.#done) return;
    this.#finish();
    this.#socket.end();
    this.#events.failed(error);
  }

  #finish(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    if (this.#options.role === 'dialer') this.#options.ownNonces.delete(Buffer.from(this.#nonce).toString('hex'));
  }
}
