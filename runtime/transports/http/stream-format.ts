/**
 * How a server stream travels over HTTP, shared by the server and the (browser-safe) client.
 *
 * - Default: Server-Sent Events (`text/event-stream`). One message per item, `event: item` with
 *   `data: <json>`; then `event: end` with `data: {}`; a failure mid-stream is `event: error`
 *   with `data: {code,message,data?}`. Readable by EventSource-style parsers and curl.
 * - MessagePack (the client sent `accept: application/msgpack`): a binary sequence of frames,
 *   each a 4-byte big-endian length and a MessagePack map `{ event, data }` with the same events
 *   (the session layer's length-prefix framing, runtime/link/length-prefix.ts).
 *   Binary fields (bytes()) stay raw bytes instead of base64 text.
 * No Node imports: the browser client uses this file.
 */
import { AccordError } from '../../core/errors.js';

export const SSE_CONTENT_TYPE = 'text/event-stream';
export const MSGPACK_STREAM_CONTENT_TYPE = 'application/vnd.accord.msgpack-stream';

export type StreamEvent = { event: 'item'; data: unknown } | { event: 'end' } | { event: 'error'; data: unknown };

/** One SSE message; `json` is already a single-line JSON text (JSON.stringify never emits raw newlines). */
export function sseMessage(event: 'item' | 'end' | 'error', json: string): string {
  return `event: ${event}\ndata: ${json}\n\n`;
}

/**
 * Incremental SSE parser (the subset Accord sends, plus comments and multi-line data).
 * Feed it decoded text; it returns the complete messages seen so far.
 */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #dataLength = 0;
  readonly #maxMessage: number;

  /** `maxMessageChars`: a message (or an unfinished line) longer than this is a PROTOCOL_ERROR, not a growing buffer. */
  constructor(maxMessageChars = 64 * 1024 * 1024) {
    this.#maxMessage = maxMessageChars;
  }

  push(text: string): Array<{ event: string; data: string }> {
    this.#buffer += text;
    const out: Array<{ event: string; data: string }> = [];
    let start = 0;
    for (;;) {
      const nl = this.#buffer.indexOf('\n', start);
      if (nl < 0) break;
      let line = this.#buffer.slice(start, nl);
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (this.#data.length > 0 || this.#event) out.push({ event: this.#event || 'message', data: this.#data.join('\n') });
        this.#event = '';
        this.#data = [];
        this.#dataLength = 0;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.#event = value;
      else if (field === 'data') {
        this.#data.push(value);
        this.#dataLength += value.length;
      }
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length + this.#dataLength > this.#maxMessage) {
      throw new AccordError('PROTOCOL_ERROR', `a stream message is over the limit of ${this.#maxMessage} characters`);
    }
    return out;
  }
}
