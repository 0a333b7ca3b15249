/**
 * Request body parsers: JSON and MessagePack (msgpackr renames `__proto__` keys itself). A body
 * that does not parse is a 400 PROTOCOL_ERROR naming the problem; the connection and the server carry on. An empty body is no input (`{}` for
 * the call). Requests without a Content-Type (or text/plain, as curl and sendBeacon send) are read
 * as JSON; other types are refused with a message saying what to send.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { msgpackCodec } from '../../core/codecs.js';
import { AccordError } from '../../core/errors.js';

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AccordError('PROTOCOL_ERROR', `malformed JSON body: ${(error as Error).message}`);
  }
  // JSON.parse makes "__proto__" an own key, which a later copy or record parse would turn into a
  // prototype. Refused, as fastify's default parser does (the check is a substring scan, cheap).
  if (text.includes('"__proto__"') && hasProtoKey(value)) {
    throw new AccordError('PROTOCOL_ERROR', 'the JSON body has a "__proto__" key, which is not allowed');
  }
  return value;
}

/** Walks with a list, not recursion: JSON.parse takes nesting deeper than the call stack (a 64 KiB body can overflow it). */
function hasProtoKey(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) if (typeof child === 'object' && child !== null) pending.push(child);
  }
  return false;
}

function parseMsgpack(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return msgpackCodec.decode(body);
  } catch (error) {
    // msgpackr decodes recursively: nesting deeper than the stack is refused as such, not as a stack overflow.
    const problem = error instanceof RangeError && /call stack/i.test(error.message) ? 'it is nested too deeply' : (error as Error).message;
    throw new AccordError('PROTOCOL_ERROR', `malformed MessagePack body: ${problem}`);
  }
}

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req: FastifyRequest, body: string | Buffer, done) => {
    try {
      done(null, parseJson(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  const msgpack = (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    try {
      done(null, parseMsgpack(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  };
  for (const type of ['application/msgpack', 'application/x-msgpack', 'application/vnd.msgpack']) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, msgpack);
  }
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req: FastifyRequest, body: string | Buffer, done) => {
    const type = req.headers['content-type'];
    if (type === undefined || type === '' || /^text\/plain\b/i.test(type)) {
      try {
        done(null, parseJson((body as Buffer).toString('utf8')));
      } catch (error) {
        done(error as Error, undefined);
      }
      return;
    }
    done(new AccordError('PROTOCOL_ERROR', `unsupported content-type '${type}': send application/json or application/msgpack`), undefined);
  });
}
