/**
 * The WebSocket transport in the AsyncAPI document: one socket (`/ws` on the HTTP port by
 * default) carries every subscription and stream as frames (docs/ws-protocol.md), so channels
 * have no address of their own; the operation's `x-accord-ws` extension shows the frames.
 */
import { streamFrames } from './session-frames.js';
import type { AsyncTarget, TransportBinding } from './transport-binding.js';

const PROTOCOL_DOC = 'docs/ws-protocol.md';

export const wsBinding: TransportBinding = {
  id: 'ws',
  server: {
    host: '{host}',
    pathname: '/ws',
    protocol: 'ws',
    title: 'Accord WebSocket',
    description: [
      `One connection multiplexes calls, server streams and event subscriptions (frame protocol version 1, ${PROTOCOL_DOC}).`,
      'A client opens it with a `hello` frame (`{"type":"hello","version":1,"codec":"json"}`) and waits for `welcome`.',
      'Credentials travel as upgrade headers (`Authorization`, an API key header) or in the hello `metadata`.',
      '`wss` when the deployment terminates TLS.',
    ].join(' '),
    variables: {
      host: { default: 'localhost:3000', description: 'host:port of the Accord server (the HTTP port; the deployment config decides it)' },
    },
  },
  address: () => null,
  channelBindings: () => ({ ws: { method: 'GET', bindingVersion: '0.1.0' } }),
  describe(target) {
    const { service, name } = target;
    return target.kind === 'event'
      ? `Over WebSocket: send \`subscribe\` with service '${service.name}', version ${service.version} and event '${name}'; after \`subscribed\`, each event arrives as an \`event\` frame whose \`data\` is the payload, until \`unsubscribe\`.`
      : `Over WebSocket: send \`call\` with \`stream: true\` and an initial \`credit\`; items arrive as \`item\` frames (one credit each; send \`credit\` to grant more), then \`end\`, or \`error\` with an AccordError; \`cancel\` stops it.`;
  },
  usage: (target) => (target.kind === 'event' ? eventFrames(target) : streamFrames(target)),
};

function eventFrames({ service, name }: AsyncTarget): Record<string, unknown> {
  const id = 1;
  return {
    subscribe: { type: 'subscribe', id, service: service.name, version: service.version, event: name },
    subscribed: { type: 'subscribed', id, service: service.name, version: service.version, event: name },
    event: { type: 'event', id, data: '<payload>' },
    unsubscribe: { type: 'unsubscribe', id },
  };
}
