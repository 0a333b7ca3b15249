/**
 * Hostile mesh connections over raw TCP (test/mesh/harness.ts RawPeer), in three phases:
 * - before the handshake: garbage, session frames, hostile control frames, huge or cut length prefixes;
 * - during it: a valid hello, then anything but the right `auth`;
 * - after it, with a real authenticated link: hostile session frames (the WebSocket vocabulary, in
 *   MessagePack), hostile control frames (state, gossip, event), raw bytes.
 * Before authentication the node must refuse (a clear `refuse`) and close, within its handshake
 * timeout: those closes are checked at the end of each batch, so silence costs no time per case.
 * After it, a sentinel ping must be answered (then every call owed an answer), or the link closed
 * after an `error` frame saying why.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import fc from 'fast-check';
import { msgpackCodec } from 'accord-rpc/core';
import { lengthPrefixed } from 'accord-rpc/link';
import { CONTROL_TAG, MeshKey, type ControlFrame, type HelloFrame } from 'accord-rpc/mesh';
import { RawPeer } from '../../mesh/harness.js';
import { unclearError } from './clear-errors.js';
import type { Problem, TransportFuzz } from './fuzz-runner.js';
import { hostileMsgpackValue, randomBytes, truncated } from './hostile-bytes.js';
import { answersOwed, hostileMessageValue } from './hostile-frames.js';
import { hostileNumber, hostileScalar, hostileText, hostileValue } from './hostile-values.js';

export const MESH_KEY = 'reliability-fuzz-mesh-key-0123456789';
const meshKey = new MeshKey(MESH_KEY);
const DEFAULT_TIMEOUT_MS = 2_000;
/** The node's heartbeat interval (fuzz-setups.ts): a silent link is dropped after about twice this. */
export const HEARTBEAT_MS = 300;

/** One length-prefixed message (or raw bytes), and the value it encodes when it is a session message. */
interface MeshMessage {
  bytes: Uint8Array;
  value?: unknown;
}

export interface MeshCase {
  phase: 'before' | 'during' | 'after';
  messages: MeshMessage[];
}

const nodeIdLike = fc.oneof(fc.constantFrom('a', 'peer-1', 'x.y:z'), hostileText);
const bytesOf = (n: number) => fc.oneof({ weight: 3, arbitrary: fc.uint8Array({ minLength: n, maxLength: n }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) });
const record = fc.record({
  node: nodeIdLike,
  seq: fc.oneof(fc.nat(), hostileNumber),
  relay: fc.oneof(fc.boolean(), hostileScalar),
  addr: fc.option(hostileText, { nil: undefined }),
  services: fc.oneof(fc.array(fc.record({ name: fc.oneof(fc.constantFrom('math', 'evil'), hostileText), version: fc.oneof(fc.constant(1), hostileNumber), fingerprint: hostileText, methods: hostileValue }), { maxLength: 2 }), hostileValue),
  links: fc.oneof(fc.array(nodeIdLike, { maxLength: 4 }), hostileValue),
}, { requiredKeys: [] });

const controlFrame: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('hello'), protocols: fc.oneof(fc.constant([1]), fc.array(hostileNumber, { maxLength: 20 }), hostileScalar), node: nodeIdLike, instance: fc.option(hostileText, { nil: undefined }), nonce: bytesOf(32), proof: fc.option(bytesOf(32), { nil: undefined }) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('auth'), proof: fc.oneof(bytesOf(32), hostileScalar) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('refuse'), error: hostileValue }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('state'), maxFrameBytes: fc.oneof(fc.constantFrom(0, 1, 65_535, 65_536, 2 ** 32), fc.nat(), hostileNumber, hostileText, fc.constant(null)), records: fc.oneof(fc.array(record, { maxLength: 3 }), hostileValue) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('gossip'), records: fc.oneof(fc.array(record, { maxLength: 3 }), hostileValue) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('event'), origin: nodeIdLike, to: fc.oneof(fc.array(nodeIdLike, { maxLength: 3 }), hostileValue), ttl: hostileNumber, service: fc.oneof(fc.constantFrom('probe', 'ticker'), hostileText), version: fc.oneof(fc.constant(1), hostileNumber), event: fc.oneof(fc.constantFrom('noted', 'alert'), hostileText), data: hostileValue }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.oneof(hostileText, hostileScalar), data: hostileValue }),
);

const control = (frame: unknown): Uint8Array => lengthPrefixed(Buffer.concat([Uint8Array.of(CONTROL_TAG), msgpackCodec.encode(frame)]));
/** Length prefixes around the node's limit and far past it: a claim over the limit is refused before anything is buffered. */
const lengthClaim = (limit: number) => fc.oneof(fc.constantFrom(0xffffffff, 0x7fffffff, 0x10000000, limit + 1, limit, limit - 1), fc.nat({ max: limit + 4_096 }));

const meshMessage = (limit: number): fc.Arbitrary<MeshMessage> => fc.oneof(
  { weight: 6, arbitrary: hostileMessageValue.map((value) => ({ bytes: lengthPrefixed(msgpackCodec.encode(value)), value })) },
  { weight: 3, arbitrary: controlFrame.map((frame) => ({ bytes: control(frame) })) },
  { weight: 1, arbitrary: fc.oneof(hostileMsgpackValue, truncated(hostileMsgpackValue)).map((raw) => ({ bytes: lengthPrefixed(raw) })) },
  { weight: 1, arbitrary: fc.oneof(hostileMsgpackValue, fc.constant(Uint8Array.of(0xc1, 0xc1))).map((raw) => ({ bytes: lengthPrefixed(Buffer.concat([Uint8Array.of(CONTROL_TAG), raw])) })) },
  // A length prefix claiming more (or less) than follows, and bytes that are no message at all.
  { weight: 1, arbitrary: fc.tuple(lengthClaim(limit), fc.uint8Array({ maxLength: 32 })).map(([claim, rest]) => { const b = Buffer.alloc(4 + rest.length); b.writeUInt32BE(claim >>> 0); b.set(rest, 4); return { bytes: b }; }) },
  { weight: 1, arbitrary: randomBytes.map((bytes) => ({ bytes })) },
);

export function meshCaseArbitrary(maxFrameBytes: number): fc.Arbitrary<MeshCase> {
  return fc.record({
    phase: fc.constantFrom('before', 'during', 'after', 'after'),
    messages: fc.array(meshMessage(maxFrameBytes), { minLength: 1, maxLength: 4 }),
  });
}

/** Messages until `until` says stop, the connection closes, or `ms` pass; false on a timeout. */
export async function collect(peer: RawPeer, into: Seen, until: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!until()) {
    const message = await peer.next(Math.max(1, end - Date.now()));
    if (!message) return peer.socket.destroyed || peer.socket.readableEnded;
    into.push(message);
  }
  return true;
}

/**
 * The dialer's side of the handshake, by hand: hello, and with `authenticate` the right proof and a
 * state frame announcing `maxFrameBytes` (no records: this peer offers nothing). Resolves with what
 * went wrong, if anything.
 */
export async function meshHandshake(peer: RawPeer, node: string, authenticate: boolean, maxFrameBytes = 4 * 1024 * 1024): Promise<Problem | undefined> {
  const nonce = cryptoRandomBytes(32);
  peer.sendControl({ type: 'hello', protocols: [1], node, nonce });
  const reply = (await peer.nextControl('hello', 3_000)) as HelloFrame | undefined;
  if (!reply) return { kind: 'hang', detail: 'no hello from the node for a valid hello' };
  if (!authenticate) return undefined;
  peer.sendControl({ type: 'auth', proof: meshKey.proof('dialer', 1, node, reply.node, nonce, reply.nonce) });
  peer.sendControl({ type: 'state', maxFrameBytes, records: [] });
  return (await peer.nextControl('state', 3_000)) ? undefined : { kind: 'hang', detail: 'no state from the node after a valid auth' };
}

export type Seen = Array<{ control?: ControlFrame; session?: unknown }>;

/** The session frames among received messages, batches flattened. */
export const sessionFrames = (messages: Array<{ session?: unknown }>) => messages.flatMap((m) => (m.session === undefined ? [] : Array.isArray(m.session) ? m.session : [m.session])) as Array<Record<string, unknown>>;

export function meshFuzz(port: number, maxFrameBytes: number, handshakeTimeoutMs: number): TransportFuzz<MeshCase> {
  let serial = 0;
  const pending: Array<Promise<Problem | undefined>> = [];

  /** A peer that is not authenticated must be refused clearly and closed within the handshake timeout. */
  const refusedInTime = async (peer: RawPeer): Promise<Problem | undefined> => {
    const seen: Array<{ control?: ControlFrame }> = [];
    const closed = await collect(peer, seen, () => false, handshakeTimeoutMs + 2_000);
    peer.close();
    if (!closed) return { kind: 'hang', detail: `an unauthenticated connection stayed open past the handshake timeout (${handshakeTimeoutMs} ms)` };
    const refusal = seen.find((m) => m.control?.type === 'refuse')?.control;
    if (!refusal || refusal.type !== 'refuse') return undefined;
    const unclear = unclearError(refusal.error, 'the refusal');
    return unclear ? { kind: 'unclear', detail: unclear } : undefined;
  };

  /** The link's answer to the case once the sentinel pong came, or why it closed. */
  const judgeLink = async (peer: RawPeer, c: MeshCase, seen: Seen, pong: () => boolean, waitMs: number): Promise<Problem | undefined> => {
    if (!(await collect(peer, seen, pong, waitMs))) return { kind: 'hang', detail: 'neither the sentinel pong nor a close' };
    if (!pong()) {
      const error = sessionFrames(seen).find((f) => f?.type === 'error' && f.id === undefined);
      if (!error) return { kind: 'unclear', detail: 'the node closed the link without an error frame saying why' };
      const unclear = unclearError(error.error, 'the link error');
      return unclear ? { kind: 'unclear', detail: unclear } : undefined;
    }
    const owed = answersOwed(c.messages.map((m) => m.value), DEFAULT_TIMEOUT_MS);
    const answer = (id: number) => sessionFrames(seen).find((f) => f?.id === id && (f.type === 'result' || f.type === 'error'));
    const all = () => [...owed].every((id) => answer(id));
    if (!(await collect(peer, seen, all, DEFAULT_TIMEOUT_MS + 2_000)) || !all()) {
      if (!peer.socket.destroyed && !peer.socket.readableEnded) return { kind: 'hang', detail: `calls ${[...owed].filter((id) => !answer(id)).join(', ')} were never answered` };
    }
    for (const id of owed) {
      const found = answer(id);
      const unclear = found?.type === 'error' ? unclearError(found.error, `call ${id}`) : undefined;
      if (unclear) return { kind: 'unclear', detail: unclear };
    }
    return undefined;
  };

  /**
   * Sends the case and a sentinel ping. Most cases are answered at once; a message cut short holds the
   * ping inside it until the node's heartbeat gives up on the link, so that wait is deferred to the batch's end.
   */
  const afterHandshake = async (peer: RawPeer, c: MeshCase, token: string): Promise<Problem | undefined> => {
    for (const m of c.messages) peer.sendBytes(m.bytes);
    peer.sendBytes(lengthPrefixed(msgpackCodec.encode({ type: 'ping', data: token })));
    const seen: Seen = [];
    const pong = () => sessionFrames(seen).some((f) => f?.type === 'pong' && f.data === token);
    await collect(peer, seen, pong, 100);
    if (pong() || peer.socket.destroyed || peer.socket.readableEnded) return judgeLink(peer, c, seen, pong, 0).finally(() => peer.close());
    pending.push(judgeLink(peer, c, seen, pong, 2 * HEARTBEAT_MS + 2_000).finally(() => peer.close()));
    return undefined;
  };

  return {
    transport: 'mesh',
    arbitrary: meshCaseArbitrary(maxFrameBytes),
    async run(c) {
      const n = ++serial;
      const peer = await RawPeer.connect(port);
      const node = `fuzz-${n}`;
      if (c.phase === 'after') {
        const problem = await meshHandshake(peer, node, true);
        if (!problem) return afterHandshake(peer, c, `sentinel-${n}`);
        peer.close();
        return problem;
      }
      const problem = c.phase === 'during' ? await meshHandshake(peer, node, false) : undefined;
      if (problem) {
        peer.close();
        return problem;
      }
      for (const m of c.messages) peer.sendBytes(m.bytes);
      pending.push(refusedInTime(peer));
      return undefined;
    },
    async settle() {
      const results = await Promise.all(pending.splice(0));
      return results.find((p) => p !== undefined);
    },
  };
}
