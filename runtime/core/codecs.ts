/**
 * Every wire codec, for servers and Node clients: JSON for people and browsers (bytes as base64
 * strings, which the contract's bytes() schema turns back into Uint8Array), MessagePack for speed
 * and binary payloads (bytes stay bytes). Importing this module registers MessagePack, so the
 * session layer on a server reads binary frames. Browser code imports json-codec.ts and
 * codec-registry.ts instead, and gets MessagePack only from `accord-rpc/msgpack`.
 */
import { registerCodec } from './codec-registry.js';
import { msgpackCodec } from './msgpack-codec.js';

export type { Codec } from './json-codec.js';
export { encodeJson, jsonCodec } from './json-codec.js';
export { msgpackCodec } from './msgpack-codec.js';

/** The codec a content type asks for; JSON unless it names MessagePack. */
export { codecOfContentType as codecFor } from './codec-registry.js';

registerCodec(msgpackCodec);
