/**
 * Hostile WebSocket connections: before the hello (garbage, other frames, hostile hellos), and
 * after it (hostile frames and batches as JSON text or MessagePack binary, raw bytes, invalid
 * UTF-8 text, length bombs, deep nesting, oversize messages). Each case ends with a ping carrying
 * a token: the server must answer it (every frame before it was handled) and then every call it
 * owes, or close the connection with a documented code; a 1002 close comes after an `error` frame.
 */
import fc from 'fast-check';
import { msgpackCodec } from 'accord-rpc/core';
import { rawPeer, type RawPeer } from '../../ws/fixture.js';
import { unclearError } from './clear-errors.js';
import type { Problem, TransportFuzz } from './fuzz-runner.js';
import { deepMsgpack, filler, hostileMsgpackValue, invalidUtf8, lengthBomb, mapWithRawValue, randomBytes, truncated } from './hostile-bytes.js';
import { answersOwed, hostileFrame, hostileMessageValue } from './hostile-frames.js';
import { brokenJsonText, deepJsonText } from './hostile-values.js';

/** One WebSocket message as sent: text (JSON) or binary (MessagePack); `value` when it encodes a value. */
export interface WsMessage {
  binary: boolean;
  data: string | Uint8Array;
  value?: unknown;
}

export interface WsCase {
  /** `valid`: the documented hello first; `hostile`: a hello-like first message; `none`: straight to the messages. */
  hello: 'valid' | 'hostile' | 'none';
  codec: 'json' | 'msgpack';
  messages: WsMessage[];
}

/** Close codes the protocol documents for a connection it refuses (ws-protocol.md), and 1007 (invalid UTF-8 text, RFC 6455). */
const DOCUMENTED_CLOSES = new Set([1002, 1007, 1009]);
const DEFAULT_TIMEOUT_MS = 2_000;

const encoded = (value: unknown, binary: boolean): WsMessage => ({ binary, data: binary ? msgpackCodec.encode(value) : JSON.stringify(value) ?? 'null', value });

function messages(limit: number): fc.Arbitrary<WsMessage> {
  const text = (data: string): WsMessage => ({ binary: false, data });
  const binary = (data: Uint8Array): WsMessage => ({ binary: true, data });
  return fc.oneof(
    { weight: 16, arbitrary: fc.tuple(hostileMessageValue, fc.boolean()).map(([value, bin]) => encoded(value, bin)) },
    { weight: 1, arbitrary: brokenJsonText.map(text) },
    { weight: 1, arbitrary: deepJsonText.map(text) },
    { weight: 1, arbitrary: fc.oneof(hostileMsgpackValue, truncated(hostileMsgpackValue), randomBytes, deepMsgpack).map(binary) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('input', 'metadata', 'id', 'type'), lengthBomb).map(([key, bomb]) => binary(mapWithRawValue({ type: 'call', id: 1, service: 'math', method: 'add' }, key, bomb))) },
    // Invalid UTF-8 sent as a text message (the ws package sends the bytes as they are).
    { weight: 1, arbitrary: invalidUtf8.map((bytes) => ({ binary: false, data: Buffer.concat([Buffer.from('{"type":"ping","data":"'), bytes, Buffer.from('"}')]) })) },
    { weight: 1, arbitrary: fc.constantFrom(limit + 1, limit * 3).map((n) => ({ binary: n % 2 === 0, data: filler(n) })) },
  );
}

export function wsCaseArbitrary(limit: number): fc.Arbitrary<WsCase> {
  return fc.record({
    hello: fc.constantFrom('valid', 'valid', 'valid', 'hostile', 'none'),
    codec: fc.constantFrom('json', 'msgpack'),
    messages: fc.array(messages(limit), { minLength: 0, maxLength: 5 }),
  }).chain((c) => (c.hello !== 'hostile'
    ? fc.constant(c)
    : fc.tuple(hostileFrame, fc.boolean()).map(([frame, bin]) => ({ ...c, messages: [encoded({ ...frame, type: 'hello' }, bin), ...c.messages] }))));
}

/** Resolves true once `check` holds (checked on every message and on close), false after `ms`. */
function waitFor(peer: RawPeer, check: () => boolean, ms: number): Promise<boolean> {
  if (check()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      peer.socket.off('message', onEvent);
      peer.socket.off('close', onEvent);
      resolve(value);
    };
    const onEvent = () => setImmediate(() => check() && done(true));
    const timer = setTimeout(() => done(check()), ms);
    peer.socket.on('message', onEvent);
    peer.socket.on('close', onEvent);
  });
}

function judgeClose(peer: RawPeer, close: { code: number; reason: string }): Problem | undefined {
  if (!DOCUMENTED_CLOSES.has(close.code)) return { kind: 'unclear', detail: `closed with ${close.code} (${close.reason})` };
  if (close.code !== 1002) return undefined;
  const error = peer.frames.find((f) => f.type === 'error' && f.id === undefined);
  if (!error) return { kind: 'unclear', detail: `closed with 1002 (${close.reason}) without an error frame first` };
  const unclear = unclearError(error.error, 'the connection error');
  return unclear ? { kind: 'unclear', detail: unclear } : undefined;
}

async function runCase(url: string, c: WsCase, token: number): Promise<Problem | undefined> {
  const peer = await rawPeer(url, { hello: false });
  let close: { code: number; reason: string } | undefined;
  void peer.closed.then((value) => (close = value));
  try {
    if (c.hello === 'valid') {
      peer.send({ type: 'hello', version: 1, codec: c.codec });
      if (!(await waitFor(peer, () => peer.frames.some((f) => f.type === 'welcome'), 3_000))) return { kind: 'hang', detail: 'no welcome for a valid hello' };
    }
    for (const message of c.messages) peer.socket.send(message.data, { binary: message.binary });
    const pong = () => peer.frames.some((f) => f.type === 'pong' && f.data === `sentinel-${token}`);
    peer.send({ type: 'ping', data: `sentinel-${token}` });
    if (!(await waitFor(peer, () => pong() || close !== undefined, 3_000))) return { kind: 'hang', detail: 'neither the sentinel pong nor a close' };
    if (!pong()) return judgeClose(peer, close!);
    // Every frame before the ping was accepted: each call owed an answer gets one (result or a clear error).
    const owed = answersOwed(c.messages.map((m) => m.value), DEFAULT_TIMEOUT_MS);
    const answered = (id: number) => peer.frames.find((f) => f.id === id && (f.type === 'result' || f.type === 'error'));
    const all = await waitFor(peer, () => [...owed].every((id) => answered(id)) || close !== undefined, DEFAULT_TIMEOUT_MS + 2_000);
    if (!all) return { kind: 'hang', detail: `calls ${[...owed].filter((id) => !answered(id)).join(', ')} were never answered` };
    for (const id of owed) {
      const answer = answered(id);
      if (answer?.type === 'error') {
        const unclear = unclearError(answer.error, `call ${id}`);
        if (unclear) return { kind: 'unclear', detail: unclear };
      }
    }
    return close ? judgeClose(peer, close) : undefined;
  } finally {
    peer.socket.terminate();
  }
}

export function wsFuzz(url: string, maxFrameBytes: number): TransportFuzz<WsCase> {
  let token = 0;
  return { transport: 'ws', arbitrary: wsCaseArbitrary(maxFrameBytes), run: (c) => runCase(url, c, ++token) };
}

