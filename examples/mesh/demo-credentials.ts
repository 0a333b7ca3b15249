/**
 * DEMO ONLY: the credentials of the three-node mesh example. A real deployment takes the mesh key
 * from a secret store (ACCORD_MESH_KEY) and verifies tokens with its identity provider.
 */
import type { Authenticate } from 'accord-rpc/server';

/** The shared mesh key every node of the example proves it knows (ACCORD_MESH_KEY overrides it). */
export const EXAMPLE_MESH_KEY = 'example-mesh-key-change-me';

/** Bearer `demo-admin` may write users; `x-api-key: demo-api-key` may upload files. */
export const authenticate: Authenticate = ({ type, token }) => {
  if (type === 'bearer' && token === 'demo-admin') return { subject: 'demo-admin', scopes: ['users:write'] };
  if (type === 'apiKey' && token === 'demo-api-key') return { subject: 'demo-integration' };
  return null;
};
