/**
 * The TCP mesh in the AsyncAPI document (docs/mesh.md): after the handshake a link carries the
 * same session frames as WebSocket (`call`, `item`, `credit`, `end`, `error`, `cancel`), length-
 * prefixed MessagePack, so a stream is a `call` frame routed to a node serving the method; events
 * are relayed to every node as `event` control frames. AsyncAPI has no binding for this protocol:
 * the server's `protocol` is `accord-mesh`, described here and in docs/mesh.md.
 */
import { streamFrames } from './session-frames.js';
import type { AsyncTarget, TransportBinding } from './transport-binding.js';

export const meshBinding: TransportBinding = {
  id: 'mesh',
  server: {
    host: '{host}',
    protocol: 'accord-mesh',
    protocolVersion: '1',
    title: 'Accord mesh',
    description: [
      'Accord nodes linked over TCP (or TLS): a mutual HMAC handshake over a shared mesh key, then length-prefixed MessagePack frames (docs/mesh.md, wire protocol version 1).',
      'A node routes a stream call to a node serving the method, through others if needed, with credit end to end; events reach every node once.',
      'Join with `meshClient({ seeds, key })`, or a node of your own that speaks docs/mesh.md.',
    ].join(' '),
    variables: {
      host: { default: 'localhost:7400', description: 'host:port of a mesh node to use as a seed' },
    },
  },
  address: () => null,
  describe(target) {
    const { service, name } = target;
    return target.kind === 'event'
      ? `Over the mesh: every node gets each '${name}' event of ${service.name} v${service.version} once, as an \`event\` control frame, and publishes it on its own bus (a meshClient's \`on('${name}', listener)\` receives it).`
      : `Over the mesh: send a session \`call\` frame with \`stream: true\` and an initial \`credit\` on a link; the mesh routes it to a node serving the method; items come back as \`item\` frames (send \`credit\` for more), then \`end\` or \`error\`; \`cancel\` stops it.`;
  },
  usage: (target) => (target.kind === 'event' ? eventFrame(target) : streamFrames(target)),
};

function eventFrame({ service, name }: AsyncTarget): Record<string, unknown> {
  return { event: { type: 'event', origin: '<emitting node>', to: ['<node ids>'], ttl: 16, service: service.name, version: service.version, event: name, data: '<payload>' } };
}
