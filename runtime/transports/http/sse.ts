/**
 * Writes a dispatcher stream to a (hijacked) HTTP response: Server-Sent Events, or length-prefixed
 * MessagePack frames when the client asked for MessagePack (see stream-format.ts).
 *
 * Backpressure: the next item is pulled from the dispatcher only after the previous one was
 * accepted by the socket (`write()` returned true, or `drain`). When the client disconnects, the
 * call's signal aborts (see calls.ts) and the dispatcher's generator is stopped with `return()`.
 * An error before the first item is an ordinary error response with its status; after it, an
 * `error` event.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ErrorMap } from '../../contract/index.js';
import { encodeJson, jsonCodec, msgpackCodec } from '../../core/codecs.js';
import type { CallScope } from '../../core/call-scope.js';
import { AccordError } from '../../core/errors.js';
import { toAccordError, writeRawError } from './responses.js';
import { lengthPrefixed } from '../../link/length-prefix.js';
import { MSGPACK_STREAM_CONTENT_TYPE, SSE_CONTENT_TYPE, sseMessage } from './stream-format.js';

export interface StreamResponse {
  res: ServerResponse;
  items: AsyncGenerator<unknown, void, undefined>;
  msgpack: boolean;
  encodeJson: (value: unknown) => string;
  declared: ErrorMap | undefined;
  /** Headers already set on the reply (CORS), which a hijacked response must write itself. */
  headers: OutgoingHttpHeaders;
  /** When the server is shutting down and cut this stream, the error to report instead of CANCELLED. */
  overrideError(): AccordError | undefined;
  /** The call's scope: the dispatcher aborts it at the deadline, which must end a wait for a reader that stopped reading. */
  scope: CallScope;
}

const END_JSON = '{}';

export async function serveStream(stream: StreamResponse): Promise<void> {
  const { res, items, msgpack } = stream;
  const frame = msgpack
    ? (event: 'item' | 'end' | 'error', data: unknown) => lengthPrefixed(msgpackCodec.encode(event === 'end' ? { event } : { event, data }))
    : (event: 'item' | 'end' | 'error', data: unknown) => sseMessage(event, event === 'item' ? stream.encodeJson(data) : event === 'end' ? END_JSON : encodeJson(data));
  let started = false;
  const start = () => {
    started = true;
    res.writeHead(200, {
      ...stream.headers,
      'content-type': msgpack ? MSGPACK_STREAM_CONTENT_TYPE : `${SSE_CONTENT_TYPE}; charset=utf-8`,
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
  };
  try {
    for (;;) {
      const next = await items.next();
      if (next.done) break;
      if (res.destroyed) return;
      if (!started) start();
      if (!res.write(frame('item', next.value))) await drained(res, stream.scope);
      if (res.destroyed) return;
    }
    if (res.destroyed) return;
    if (!started) start();
    res.end(frame('end', undefined));
  } catch (thrown) {
    if (res.destroyed) return;
    const error = stream.overrideError() ?? toAccordError(thrown);
    if (!started) writeRawError(res, error, msgpack ? msgpackCodec : jsonCodec, stream.declared, stream.headers);
    else {
      // The data of a handler's error may not encode (a BigInt): the stream still ends, with INTERNAL.
      let last: string | Uint8Array;
      try {
        last = frame('error', error.toWire());
      } catch {
        last = frame('error', { code: 'INTERNAL', message: 'internal error' });
      }
      res.end(last);
    }
  } finally {
    // Stops the handler's generator when we leave early (disconnect, write failure).
    void items.return(undefined).catch(() => undefined);
  }
}

/**
 * Resolves on `drain`, when the response closes (client gone), or when the call is aborted (its
 * deadline passed: the next pull then fails with DEADLINE_EXCEEDED, instead of a client that stopped
 * reading holding the stream for ever).
 */
function drained(res: ServerResponse, scope: CallScope): Promise<void> {
  if (scope.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      removeAbort();
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    const removeAbort = scope.onAbort(done);
  });
}
