/**
 * Proving knowledge of the shared mesh key without sending it (mutual challenge-response, as in
 * Erlang's distribution handshake, with HMAC-SHA256): each side sends a fresh 32-byte nonce, and
 * each proves the key with an HMAC over the protocol version, its role, both node ids and both
 * nonces. The role keeps a proof from being reflected back; the nonces keep it from being replayed.
 * The key itself never goes on the wire: HKDF derives one key for the proofs and another for TLS-PSK.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { NONCE_BYTES } from './control-frames.js';

export type HandshakeRole = 'dialer' | 'acceptor';

/** Keys derived from the configured mesh key, one per use. */
export class MeshKey {
  readonly #proofKey: Buffer;
  readonly #tlsKey: Buffer;

  constructor(secret: string) {
    const ikm = Buffer.from(secret, 'utf8');
    this.#proofKey = Buffer.from(hkdfSync('sha256', ikm, 'accord-mesh', 'peer-auth v1', 32));
    this.#tlsKey = Buffer.from(hkdfSync('sha256', ikm, 'accord-mesh', 'tls-psk v1', 32));
  }

  /** The pre-shared key for TLS-PSK links (`tls: true`). */
  get tlsPsk(): Buffer {
    return this.#tlsKey;
  }

  proof(role: HandshakeRole, protocol: number, dialer: string, acceptor: string, dialerNonce: Uint8Array, acceptorNonce: Uint8Array): Buffer {
    // Node ids cannot contain NUL (see core/meta-headers.ts) and nonces have a fixed length: unambiguous.
    return createHmac('sha256', this.#proofKey)
      .update(`accord-mesh-v${protocol}\0${role}\0${dialer}\0${acceptor}\0`)
      .update(dialerNonce)
      .update(acceptorNonce)
      .digest();
  }
}

export function newNonce(): Uint8Array {
  return randomBytes(NONCE_BYTES);
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(expected: Buffer, received: Uint8Array | undefined): boolean {
  return received !== undefined && received.length === expected.length && timingSafeEqual(expected, received);
}
