/**
 * The mesh's gauges (docs/operations.md), read at scrape time and removed when the node stops.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import { metricsOf } from '../../observability/server-telemetry.js';

/** What the gauges read, from the running node. */
export interface MeshMetricSources {
  /** Links up: authenticated, handshake done, not draining. */
  links(): number;
  /** Other nodes this node holds a record of that is not leaving. */
  nodes(): number;
  /** Methods (service, version, method) some reachable node serves. */
  routes(): number;
  /** Calls this node sent through the mesh that wait for their answer. */
  routedCallsPending(): number;
}

/** Registers the gauges when the server has metrics on; returns the function that removes them. */
export function registerMeshMetrics(dispatcher: Dispatcher, sources: MeshMetricSources): () => void {
  const metrics = metricsOf(dispatcher);
  if (!metrics) return () => undefined;
  const removers = [
    metrics.gauge({ name: 'accord_mesh_links', help: 'Mesh links up (authenticated, handshake done).', read: sources.links }),
    metrics.gauge({ name: 'accord_mesh_nodes', help: 'Other mesh nodes this node knows a live record of.', read: sources.nodes }),
    metrics.gauge({ name: 'accord_mesh_routes', help: 'Methods (service, version, method) reachable through the mesh.', read: sources.routes }),
    metrics.gauge({ name: 'accord_mesh_routed_calls_pending', help: 'Calls sent through the mesh that wait for their answer.', read: sources.routedCallsPending }),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}
