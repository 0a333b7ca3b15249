/**
 * Hostile session-layer frames (runtime/link: the vocabulary WebSocket and the mesh share): every
 * frame type with fields of the wrong type or out of range, frames a caller may not send (result,
 * welcome), unknown types, duplicate and unknown ids, batches (empty, mixed), and raw messages
 * that are not frames at all. A generated call frame records whether the server owes it an answer.
 */
import fc from 'fast-check';
import { hostileKey, hostileNumber, hostileObject, hostileScalar, hostileText, hostileValue } from './hostile-values.js';

export type FrameObject = Record<string, unknown>;

/** Ids: mostly small valid ones (so calls, cancels and credits meet), sometimes invalid. */
export const frameId: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) },
  { weight: 1, arbitrary: fc.oneof(hostileNumber, hostileText, fc.constant(null), fc.constant(undefined)) },
);

const service = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('math', 'users', 'ticker', 'files', 'probe') }, { weight: 1, arbitrary: fc.oneof(hostileKey, hostileScalar) });
const method = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('add', 'divide', 'fib', 'get', 'list', 'create', 'watch', 'publish', 'upload', 'download', 'echo', 'count', 'note', 'meta') },
  { weight: 1, arbitrary: fc.oneof(hostileKey, hostileScalar) },
);
const version = fc.option(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: fc.oneof(hostileNumber, hostileText) }), { nil: undefined });
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 3 });

const SERVED: ReadonlyArray<readonly [string, string]> = [
  ['math', 'add'], ['math', 'divide'], ['math', 'fib'], ['users', 'get'], ['users', 'list'], ['users', 'create'], ['ticker', 'watch'],
  ['ticker', 'publish'], ['files', 'upload'], ['files', 'download'], ['probe', 'echo'], ['probe', 'count'], ['probe', 'note'], ['probe', 'meta'],
];

/** A call the validation lets through (so it reaches the dispatcher), with a hostile input and hostile but legal options. */
const wellFormedCall = fc.record({
  type: fc.constant('call'),
  id: fc.integer({ min: 1, max: 6 }),
  target: fc.constantFrom(...SERVED),
  version: maybe(fc.constantFrom(1, 2)),
  input: fc.oneof(hostileObject(['a', 'b', 'n', 'id', 'count', 'text', 'symbol', 'limit', 'content', 'price']), hostileValue),
  timeout: maybe(fc.integer({ min: 0, max: 3_000 })),
  metadata: maybe(fc.dictionary(hostileKey, hostileText, { maxKeys: 3 })),
  hops: maybe(fc.integer({ min: 0, max: 20 })),
  stream: maybe(fc.boolean()),
  credit: maybe(fc.integer({ min: 0, max: 4 })),
}, { requiredKeys: ['type', 'id', 'target', 'input'] }).map(({ target: [service, method], ...frame }) => ({ ...frame, service, method }) as FrameObject);

const callFrame = fc.record({
  type: fc.constant('call'),
  id: frameId,
  service,
  version,
  method,
  input: fc.oneof(hostileObject(['a', 'b', 'n', 'id', 'count', 'text', 'symbol', 'limit']), hostileValue),
  timeout: maybe(fc.oneof(fc.integer({ min: 0, max: 3_000 }), hostileNumber, hostileText)),
  metadata: maybe(fc.oneof(fc.dictionary(hostileKey, hostileText, { maxKeys: 3 }), hostileValue)),
  traceparent: maybe(fc.oneof(hostileText, hostileScalar)),
  hops: maybe(fc.oneof(fc.integer({ min: 0, max: 20 }), hostileNumber)),
  visited: maybe(fc.oneof(fc.array(fc.oneof(fc.constantFrom('a', 'b.c'), hostileText), { maxLength: 70 }), hostileScalar)),
  stream: maybe(fc.oneof(fc.boolean(), hostileScalar)),
  credit: maybe(fc.oneof(fc.integer({ min: 0, max: 4 }), hostileNumber)),
}, { requiredKeys: ['type'] });

const otherFrame: fc.Arbitrary<FrameObject> = fc.oneof(
  fc.record({ type: fc.constantFrom('cancel', 'unsubscribe'), id: frameId }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('credit'), id: frameId, credit: fc.oneof(fc.integer({ min: 0, max: 8 }), hostileNumber, hostileScalar) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('subscribe'), id: frameId, service, version, event: fc.oneof(fc.constantFrom('noted', 'alert', 'created'), hostileText, hostileScalar) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constantFrom('ping', 'pong'), data: hostileValue }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('hello'), version: fc.oneof(fc.constant(1), hostileNumber, hostileScalar), codec: fc.oneof(fc.constantFrom('json', 'msgpack'), hostileScalar), metadata: maybe(hostileValue) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constantFrom('result', 'item', 'end', 'error', 'welcome', 'event', 'subscribed', 'goaway'), id: frameId, output: hostileValue, error: hostileValue }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.oneof(hostileText, hostileScalar, fc.constantFrom('__proto__', 'constructor', 'CALL', 'call ')), id: frameId }),
  hostileObject(['type', 'id', 'service', 'method']),
);

/** One frame object (mostly calls: they reach the dispatcher). */
export const hostileFrame: fc.Arbitrary<FrameObject> = fc.oneof(
  { weight: 6, arbitrary: wellFormedCall },
  { weight: 1, arbitrary: callFrame as fc.Arbitrary<FrameObject> },
  { weight: 2, arbitrary: otherFrame },
);

/** What one message holds: a frame, a batch of frames, or a value that is no frame at all. */
export const hostileMessageValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: hostileFrame },
  { weight: 4, arbitrary: fc.array(hostileFrame, { minLength: 0, maxLength: 5 }) },
  { weight: 1, arbitrary: hostileScalar },
);

/** A unary call frame the server must answer (valid id, not a stream, bounded deadline), once validation lets the connection stay. */
export function owesAnswer(frame: unknown, defaultTimeoutMs: number): number | undefined {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return undefined;
  const f = frame as FrameObject;
  if (f.type !== 'call' || typeof f.id !== 'number' || f.stream === true) return undefined;
  const timeout = f.timeout === undefined || f.timeout === null ? defaultTimeoutMs : f.timeout;
  return typeof timeout === 'number' && timeout <= defaultTimeoutMs ? f.id : undefined;
}

/** Ids of the calls among `values` (frames or batches) that the server owes an answer, unless cancelled later. */
export function answersOwed(values: unknown[], defaultTimeoutMs: number): Set<number> {
  const owed = new Set<number>();
  for (const value of values) {
    for (const frame of Array.isArray(value) ? value : [value]) {
      const id = owesAnswer(frame, defaultTimeoutMs);
      if (id !== undefined) owed.add(id);
      const f = frame as FrameObject | null;
      if (f && typeof f === 'object' && f.type === 'cancel' && typeof f.id === 'number') owed.delete(f.id);
    }
  }
  return owed;
}
