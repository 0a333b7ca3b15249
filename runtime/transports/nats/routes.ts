/**
 * What a server subscribes: one route per served method, on its versioned subject and, for the
 * highest version of each service served here, on the `latest` subject too (both count in the
 * same micro endpoint). Each route keeps its endpoint's micro counters.
 */
import type { MethodContract, ServiceContract } from '../../contract/index.js';
import { httpStatusOf } from '../../core/errors.js';
import type { Subjects } from './subjects.js';

/** The counters ADR-32 STATS reports for one endpoint. */
export class EndpointCounters {
  requests = 0;
  errors = 0;
  lastError = '';
  /** Total processing time, nanoseconds. */
  processingNs = 0;

  /** Records a finished request that began at `startedMs` (performance.now()). */
  ended(startedMs: number, error?: { status: number; message: string }): void {
    this.processingNs += Math.round((performance.now() - startedMs) * 1e6);
    if (error) {
      this.errors++;
      this.lastError = `${error.status}:${error.message}`;
    }
  }
}

export class Route {
  readonly stats = new EndpointCounters();

  constructor(
    readonly service: ServiceContract,
    readonly name: string,
    readonly method: MethodContract,
    readonly subject: string,
    /** The `latest` subject, when this is the highest version of its service served here. */
    readonly latest: string | undefined,
  ) {}

  /** The HTTP status of an error code (the status table, else the method's declared status, else 500). */
  statusOf(code: string): number {
    const spec = Object.hasOwn(this.method.errors, code) ? this.method.errors[code] : undefined;
    return httpStatusOf(code, spec?.status);
  }
}

/** Routes for every method of `services` (sorted by name and version, as the dispatcher lists them). */
export function routesOf(services: readonly ServiceContract[], subjects: Subjects): Route[] {
  const highest = new Map<string, number>();
  for (const s of services) highest.set(s.name, Math.max(highest.get(s.name) ?? -Infinity, s.version));
  const routes: Route[] = [];
  for (const service of services) {
    const isLatest = highest.get(service.name) === service.version;
    for (const name of Object.keys(service.methods).sort()) {
      routes.push(new Route(
        service, name, service.methods[name],
        subjects.method(service.name, service.version, name),
        isLatest ? subjects.latest(service.name, name) : undefined,
      ));
    }
  }
  return routes;
}
