/**
 * Hostile NATS messages from a raw NATS connection (no Accord code on the sending side):
 * - requests on every subject the server serves, with hostile headers (accord-timeout, -hops,
 *   -visited, -stream, -heartbeat, content types, header lines nats.js would refuse to build) and
 *   hostile bodies (JSON and MessagePack from hostile-values.ts and hostile-bytes.ts). Each must be
 *   answered on its reply subject within its bound: an output, a first stream item, or a clear error;
 * - messages on the control subjects (`_cancel`, `_probe`, `_announce`, the server's own control
 *   subject, event subjects, `$SRV`), which answer nothing, or only discovery: the server must
 *   simply go on serving.
 */
import fc from 'fast-check';
import { connect, createInbox, MsgHdrsImpl, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { msgpackCodec } from 'accord-rpc/core';
import { unclearError, decodeErrorBody } from './clear-errors.js';
import type { Problem, TransportFuzz } from './fuzz-runner.js';
import { deepMsgpack, hostileMsgpackValue, invalidUtf8, lengthBomb, mapWithRawValue, randomBytes, truncated } from './hostile-bytes.js';
import { brokenJsonText, hostileJsonText, hostileNumber, hostileObject, hostileText } from './hostile-values.js';

export interface NatsCase {
  kind: 'request' | 'control';
  subject: string;
  headers: Record<string, string> | undefined;
  body: Uint8Array;
}

/** Methods served by the target (test/reliability/support/target-process.ts), as subjects. `probe.hold` never ends by itself: left out. */
const SERVED = [
  'math.v1.add', 'math.v1.divide', 'math.v1.fib', 'math.latest.add', 'users.v1.get', 'users.v1.list', 'users.v1.create', 'users.v2.get', 'users.v2.list',
  'users.v2.create', 'users.v2.update', 'users.v2.remove', 'users.latest.get', 'ticker.v1.watch', 'ticker.v1.publish', 'files.v1.upload', 'files.v1.download',
  'probe.v1.echo', 'probe.v1.count', 'probe.v1.note', 'probe.v1.meta',
].map((s) => `accord.${s}`);
const CONTROL = ['accord._cancel', 'accord._probe', 'accord._announce', 'accord.probe.v1.event.noted', 'accord.ticker.v1.event.alert', '$SRV.PING', '$SRV.INFO', '$SRV.STATS.math', '$SRV.INFO.math'];
const DEFAULT_TIMEOUT_MS = 2_000;

const text = (s: string) => Buffer.from(s, 'utf8');
const headerValue = fc.oneof(hostileNumber.map(String), hostileText.map((s) => s.replace(/[\r\n]/g, ' ')), fc.constantFrom('', '0', '-1', '1e309', 'NaN', ' 16 ', '1.5'));
const headerName = fc.oneof(
  fc.constantFrom('content-type', 'accord-timeout', 'accord-hops', 'accord-visited', 'traceparent', 'accord-stream', 'accord-heartbeat', 'accord-frame', 'accord-call', 'accord-credit', 'accord-seq', 'accord-origin', 'authorization', 'Nats-Service-Error-Code', 'Nats-Msg-Id', '__proto__', 'constructor'),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-_.'.split('')), minLength: 1, maxLength: 12 }),
);
const hostileHeaders = fc.dictionary(headerName, fc.oneof(headerValue, fc.constantFrom('application/msgpack', 'application/json', 'item', 'credit', 'cancel', 'ping', 'bye', 'end')), { maxKeys: 4 });
/** Legal values of the call headers, so that more requests get past them to the body. */
const callHeaders = fc.record({
  'accord-timeout': fc.integer({ min: 0, max: 3_000 }).map(String),
  'accord-hops': fc.integer({ min: 0, max: 20 }).map(String),
  'accord-stream': fc.integer({ min: 1, max: 4 }).map(String),
  authorization: fc.constantFrom('Bearer reader', 'Bearer writer'),
}, { requiredKeys: [] });

const jsonBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(new Uint8Array(0)),
  hostileJsonText.map(text),
  brokenJsonText.map(text),
  hostileObject(['a', 'b', 'n', 'id', 'count', 'limit', 'symbol', 'text', 'content', 'price']).map((v) => text(JSON.stringify(v))),
  invalidUtf8,
  fc.constantFrom('["a","b"]', '["_INBOX.x"]', '{"metadata":{"accord.prefix":"accord","accord.node":"evil","accord.service":"math","accord.version":"1"},"endpoints":[{"name":"add"}]}').map(text),
  randomBytes,
);
const msgpackBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  hostileMsgpackValue,
  truncated(hostileMsgpackValue),
  hostileObject(['a', 'b', 'n', 'id', 'count', 'limit', 'symbol', 'text', 'content', 'price']).map((v) => msgpackCodec.encode(v)),
  fc.tuple(fc.constantFrom('a', 'count', 'id'), fc.oneof(lengthBomb, deepMsgpack)).map(([key, raw]) => mapWithRawValue({ a: 1, b: 2 }, key, raw)),
);

/** Headers and body: a body mostly labelled with its codec, legal call headers often, hostile headers sometimes. */
const message = fc.tuple(fc.boolean(), fc.boolean(), fc.option(callHeaders, { nil: undefined }), fc.option(hostileHeaders, { nil: undefined, freq: 2 }))
  .chain(([msgpack, labelled, call, hostile]) => (msgpack ? msgpackBody : jsonBody).map((body) => {
    const headers: Record<string, string> = { ...call, ...hostile };
    if (labelled || msgpack) headers['content-type'] ??= msgpack ? 'application/msgpack' : 'application/json';
    return { headers: Object.keys(headers).length > 0 ? headers : undefined, body };
  }))
  // NATS itself refuses messages over its max_payload (1 MiB by default) before any server sees them.
  .filter((m) => m.body.length < 1_000_000);

export function natsCaseArbitrary(control: string): fc.Arbitrary<NatsCase> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...SERVED), message).map(([subject, m]) => ({ kind: 'request' as const, subject, ...m })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...CONTROL, control), message).map(([subject, m]) => ({ kind: 'control' as const, subject, ...m })) },
  );
}

/** A header map as a hostile publisher writes it: names and values as they are (nats.js's own builder checks both). */
export function rawHeaders(record: Record<string, string> | undefined): MsgHdrs | undefined {
  if (!record) return undefined;
  const lists: Record<string, string[]> = {};
  for (const key in record) lists[key] = [record[key]!];
  return MsgHdrsImpl.fromRecord(lists);
}

/** The first message on `inbox` after publishing the request, or undefined after `ms`. */
function firstReply(nc: NatsConnection, c: NatsCase, ms: number): Promise<Msg | undefined> {
  const inbox = createInbox();
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), ms);
    const sub = nc.subscribe(inbox, { max: 1, callback: (_error, msg) => done(msg) });
    function done(msg: Msg | undefined) {
      clearTimeout(timer);
      sub.unsubscribe();
      resolve(msg);
    }
    nc.publish(c.subject, c.body, { reply: inbox, headers: rawHeaders(c.headers) });
  });
}

function judge(reply: Msg): Problem | undefined {
  const status = reply.headers?.get('Nats-Service-Error-Code');
  const frame = reply.headers?.get('accord-frame');
  if (!status) return frame === 'end' || frame === 'item' || frame === '' || frame === undefined ? undefined : { kind: 'unclear', detail: `a reply with accord-frame '${frame}'` };
  const error = decodeErrorBody(reply.headers?.get('content-type'), reply.data);
  const unclear = unclearError(error, `the error reply (status ${status})`);
  return unclear ? { kind: 'unclear', detail: unclear } : undefined;
}

/** Stops a stream the case started: cancel on the server's control subject. */
function cancel(nc: NatsConnection, reply: Msg): void {
  const control = reply.headers?.get('accord-control');
  if (control && reply.headers?.get('accord-frame') === 'item') {
    nc.publish(control, undefined, { headers: rawHeaders({ 'accord-frame': 'cancel', 'accord-call': reply.subject }) });
  }
}

/** The server's own control subject, from the first item of a stream. */
async function learnControl(nc: NatsConnection): Promise<string> {
  const reply = await firstReply(nc, { kind: 'request', subject: 'accord.probe.v1.count', headers: { 'accord-stream': '1' }, body: text('{"count":2}') }, 5_000);
  const control = reply?.headers?.get('accord-control');
  if (!reply || !control) throw new Error('the NATS target did not name its control subject in a stream item');
  cancel(nc, reply);
  return control;
}

export async function natsFuzz(url: string): Promise<TransportFuzz<NatsCase>> {
  const nc = await connect({ servers: url, name: 'reliability-fuzz' });
  const control = await learnControl(nc);
  return {
    transport: 'nats',
    arbitrary: natsCaseArbitrary(control),
    async run(c) {
      if (c.kind === 'control' && !c.subject.startsWith('$SRV')) {
        nc.publish(c.subject, c.body, { headers: rawHeaders(c.headers) });
        await nc.flush();
        return undefined;
      }
      // Every handler answers these inputs at once (a long accord-timeout only allows more), so the bound is the default deadline.
      const reply = await firstReply(nc, c, DEFAULT_TIMEOUT_MS + 2_000);
      if (!reply) return { kind: 'hang', detail: `no reply on ${c.subject} within ${DEFAULT_TIMEOUT_MS + 2_000} ms` };
      cancel(nc, reply);
      return c.kind === 'request' ? judge(reply) : undefined;
    },
    close: () => nc.close(),
  };
}
