/**
 * The hello/welcome handshake of sessions that open with one (WebSocket): the caller names the
 * protocol version, the codec it wants answers in and its connection metadata; the callee accepts
 * with its limits, or refuses with PROTOCOL_ERROR. The mesh has a handshake of its own (with peer
 * authentication) and opens its sessions without this. Browser-safe.
 */
import { protocolError } from './frame-codec.js';
import { PROTOCOL_VERSION, SUPPORTED_VERSIONS, type CodecName, type Frame, type HelloFrame, type SessionLimits, type WelcomeFrame } from './frames.js';

/** Fields left undefined are left out by both codecs (and read as absent when a codec sends them as nil). */
export function helloFrame(codec: CodecName, metadata: Record<string, string> | undefined, contracts?: HelloFrame['contracts']): HelloFrame {
  return { type: 'hello', version: PROTOCOL_VERSION, codec, metadata, contracts };
}

/** The caller's hello, checked: it must come first and speak a version this side speaks. */
export function acceptHello(frame: Frame): HelloFrame {
  if (frame.type !== 'hello') throw protocolError(`expected a hello frame first, got '${frame.type}'`);
  if (!SUPPORTED_VERSIONS.includes(frame.version)) {
    throw protocolError(`protocol version ${frame.version} is not supported`, { supported: SUPPORTED_VERSIONS });
  }
  return frame;
}

export function welcomeFrame(codec: CodecName, limits: SessionLimits): WelcomeFrame {
  return { type: 'welcome', version: PROTOCOL_VERSION, codec, limits };
}
