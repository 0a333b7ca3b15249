/**
 * The mesh's gauges (docs/operations.md), read at scrape time and removed when the node stops.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import { metricsOf } from '../../observability/server-telemetry.js';
import type { Membership } from './membership.js';
import type { MeshRouter } from './mesh-router.js';
import type { PeerLink } from './peer-link.js';
import type { RouteTable } from './route-table.js';

/** What the gauges read, from the running node. */
export interface MeshMetricSources {
  links: () => Iterable<PeerLink>;
  membership: Membership;
  routes: RouteTable;
  router: MeshRouter;
}

/** Registers the gauges when the server has metrics on; returns the function that removes them. */
export function registerMeshMetrics(dispatcher: Dispatcher, { links, membership, routes, router }: MeshMetricSources): () => void {
  const metrics = metricsOf(dispatcher);
  if (!metrics) return () => undefined;
  const removers = [
    metrics.gauge({ name: 'accord_mesh_links', help: 'Mesh links up (authenticated, handshake done).', read: () => count(links(), (link) => link.usable) }),
    metrics.gauge({ name: 'accord_mesh_nodes', help: 'Other mesh nodes this node knows a live record of.', read: () => count(membership.others(), (record) => !record.leaving) }),
    metrics.gauge({ name: 'accord_mesh_routes', help: 'Methods (service, version, method) reachable through the mesh.', read: () => routes.methodCount() }),
    metrics.gauge({ name: 'accord_mesh_routed_calls_pending', help: 'Calls sent through the mesh that wait for their answer.', read: () => router.inFlight }),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}

function count<T>(items: Iterable<T>, test: (item: T) => boolean): number {
  let n = 0;
  for (const item of items) if (test(item)) n++;
  return n;
}
