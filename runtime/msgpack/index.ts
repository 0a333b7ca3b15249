/**
 * `accord-rpc/msgpack`: MessagePack for browser clients, which load it only when they choose it
 * (msgpackr is ~27 KB minified; a JSON-only page ships none of it). Importing this entry
 * registers the codec (and the reader of HTTP's MessagePack stream responses), so `codec: 'msgpack'`
 * works in httpClient() and wsClient() and binary WebSocket frames decode; or pass the codec object itself:
 *
 *   import { msgpack } from 'accord-rpc/msgpack';
 *   const transport = httpClient({ url, codec: msgpack });
 *
 * Servers and Node entry points (`accord-rpc/http`, `accord-rpc/ws`, ...) always have it.
 * This module has a side effect on purpose: keep it out of any `sideEffects: false` list.
 */
import { registerCodec, registerMsgpackStreams } from '../core/codec-registry.js';
import { msgpackCodec } from '../core/msgpack-codec.js';
import { LengthPrefixReader } from '../link/length-prefix.js';

registerCodec(msgpackCodec);
registerMsgpackStreams(() => new LengthPrefixReader());

export { msgpackCodec as msgpack };
export type { Codec } from '../core/json-codec.js';
