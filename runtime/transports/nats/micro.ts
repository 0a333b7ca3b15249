/**
 * NATS micro discovery (ADR-32), answered by every Accord NATS server so standard NATS tooling
 * (`nats micro ls|info|stats`, any micro client) sees Accord services: `$SRV.PING`, `$SRV.INFO` and
 * `$SRV.STATS`, each also as `.<name>` and `.<name>.<id>`. Each service version served here is one
 * micro service (name = service name, version = `<N>.0.0`, its own instance id), its methods the
 * endpoints, with the contract fingerprints in the metadata. Internal subscriptions use no queue
 * group, so every instance answers; a request that names no service gets one answer per service
 * version served here.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { nuid } from '@nats-io/transport-node';
import type { ServiceContract } from '../../contract/index.js';
import { serviceFingerprints } from '../../core/fingerprint.js';
import { META, MICRO_TYPES, SRV_PREFIX, type EndpointInfo, type EndpointStats, type Identity, type InfoResponse, type StatsResponse } from './micro-types.js';
import type { Route } from './routes.js';

interface MicroService {
  identity: Omit<Identity, 'type'>;
  description: string;
  routes: Route[];
  endpoints: EndpointInfo[];
}

export interface MicroOptions {
  prefix: string;
  queue: string;
  nodeId: string;
}

const VERBS = ['PING', 'INFO', 'STATS'] as const;
type Verb = (typeof VERBS)[number];

export class MicroResponder {
  readonly #nc: NatsConnection;
  readonly #services: MicroService[];
  readonly #subs: Subscription[] = [];
  #started = new Date().toISOString();

  constructor(nc: NatsConnection, contracts: readonly ServiceContract[], routes: readonly Route[], options: MicroOptions) {
    this.#nc = nc;
    this.#services = contracts.map((contract) => describe(contract, routes.filter((r) => r.service === contract), options));
  }

  /** Subscribes `$SRV.<VERB>`, `$SRV.<VERB>.*` and `$SRV.<VERB>.*.*` for each verb (9 subscriptions in all). */
  start(): void {
    this.#started = new Date().toISOString();
    for (const verb of VERBS) {
      for (const suffix of ['', '.*', '.*.*']) {
        this.#subs.push(this.#nc.subscribe(`${SRV_PREFIX}.${verb}${suffix}`, { callback: (_error, msg) => this.#answer(verb, msg) }));
      }
    }
  }

  stop(): void {
    for (const sub of this.#subs.splice(0)) sub.unsubscribe();
  }

  /** The INFO documents of every service version served here (also what `_announce` carries). */
  infos(): InfoResponse[] {
    return this.#services.map((s) => this.#info(s));
  }

  #answer(verb: Verb, msg: Msg): void {
    if (!msg.reply) return;
    // `$SRV.<VERB>[.<name>[.<id>]]`: names are tokens, so splitting on '.' is exact.
    const [, , name, id] = msg.subject.split('.');
    for (const service of this.#services) {
      if (name !== undefined && service.identity.name !== name) continue;
      if (id !== undefined && service.identity.id !== id) continue;
      const body = verb === 'PING' ? { type: MICRO_TYPES.ping, ...service.identity } : verb === 'INFO' ? this.#info(service) : this.#stats(service);
      try {
        this.#nc.publish(msg.reply, JSON.stringify(body));
      } catch {
        // disconnected: the asker gathers what arrives
      }
    }
  }

  #info(service: MicroService): InfoResponse {
    return { type: MICRO_TYPES.info, ...service.identity, description: service.description, endpoints: service.endpoints };
  }

  #stats(service: MicroService): StatsResponse {
    const endpoints: EndpointStats[] = service.routes.map((route, i) => {
      const { requests, errors, lastError, processingNs } = route.stats;
      return {
        name: service.endpoints[i].name,
        subject: service.endpoints[i].subject,
        queue_group: service.endpoints[i].queue_group,
        num_requests: requests,
        num_errors: errors,
        last_error: lastError,
        processing_time: processingNs,
        average_processing_time: requests === 0 ? 0 : Math.trunc(processingNs / requests),
      };
    });
    return { type: MICRO_TYPES.stats, ...service.identity, started: this.#started, endpoints };
  }
}

function describe(contract: ServiceContract, routes: Route[], options: MicroOptions): MicroService {
  const fingerprints = serviceFingerprints(contract);
  const endpoints = routes.map((route): EndpointInfo => {
    const metadata: Record<string, string> = {
      [META.kind]: route.method.kind,
      [META.idempotent]: String(route.method.idempotent),
      [META.fingerprint]: fingerprints.methods[route.name],
    };
    if (route.latest) metadata[META.latestSubject] = route.latest;
    return { name: route.name, subject: route.subject, queue_group: options.queue, metadata };
  });
  return {
    identity: {
      name: contract.name,
      id: nuid.next(),
      version: `${contract.version}.0.0`,
      metadata: {
        [META.service]: contract.name,
        [META.version]: String(contract.version),
        [META.fingerprint]: fingerprints.service,
        [META.node]: options.nodeId,
        [META.prefix]: options.prefix,
      },
    },
    description: contract.description ?? '',
    routes,
    endpoints,
  };
}
