/**
 * The TCP mesh (docs/mesh.md): nodes that authenticate each other with a shared key, gossip the
 * services they serve with their contract fingerprints, route calls to the least busy compatible
 * node (through other nodes when there is no direct link) and relay events to every node.
 * `meshTransport` is the server transport (`transports.mesh`); `meshClient` a client that joins
 * the mesh as a node of its own.
 */
export { meshTransport } from './mesh-transport.js';
export type { MeshServerTransport } from './mesh-transport.js';
export { meshClient } from './mesh-client.js';
export type { MeshClientOptions, MeshClientTransport } from './mesh-client.js';
export type { MeshOptions } from './options.js';
export type { MeshStatus } from './mesh-node.js';
export type { MeshTls, MeshTlsOptions } from './sockets.js';
export { FINGERPRINT_HEADER } from './route-table.js';
export type { NodeRecord, ServiceOffer } from './node-record.js';
// The wire protocol (docs/mesh.md), for tools and tests that speak it by hand.
export { CONTROL_TAG, decodeControl, encodeControl, isControlMessage, MESH_PROTOCOLS } from './control-frames.js';
export type { AuthFrame, ControlFrame, EventFrame, GossipFrame, HelloFrame, RefuseFrame, StateFrame } from './control-frames.js';
export { MeshKey } from './peer-auth.js';
