/**
 * Event operations of `generated/openapi.json`: every event a service emits can be read over HTTP
 * as Server-Sent Events (runtime/transports/http/event-streams.ts), so each gets a `GET` operation
 * at `/events/<service>/<event>` (latest version) or `/events/<service>/v<N>/<event>` (older ones),
 * with a `text/event-stream` response, the event's data schema, its auth requirement and the errors
 * opening the stream can meet.
 */
import { serviceKey, type EventContract, type ServiceContract } from '../runtime/contract/index.js';
import { FRAMEWORK_STATUS } from '../runtime/core/errors.js';
import type { SchemaComponents } from './schema-components.js';

type Doc = Record<string, unknown>;

export const EVENT_STREAM_DESCRIPTION = [
  'The events as Server-Sent Events: one `data:` message per event (its data as JSON, bytes() fields as base64);',
  '`:` comments are heartbeats; when the server ends the stream (draining, a consumer too slow) a last',
  '`event: error` message carries `{"code", "message"}`. Delivery is at most once: no `id:` fields,',
  '`Last-Event-ID` is ignored, and events emitted while a client reconnects are not replayed.',
].join(' ');

const OPEN_ERRORS: Array<[code: keyof typeof FRAMEWORK_STATUS, why: string]> = [
  ['RESOURCE_EXHAUSTED', 'too many event streams open'],
  ['UNIMPLEMENTED', 'no such service, version or event on this server'],
  ['UNAVAILABLE', 'the server is shutting down'],
];
const AUTH_ERRORS: Array<[code: keyof typeof FRAMEWORK_STATUS, why: string]> = [
  ['UNAUTHENTICATED', 'missing or invalid credentials'],
  ['PERMISSION_DENIED', 'the credentials lack a required scope'],
];

export interface EventOperation {
  path: string;
  operation: Doc;
  tag: string;
}

/** One GET operation per event of every service version. */
export function eventOperations(services: ServiceContract[], latest: Map<string, number>, collector: SchemaComponents): EventOperation[] {
  const operations: EventOperation[] = [];
  for (const service of services) {
    for (const [name, event] of Object.entries(service.events)) {
      const path = latest.get(service.name) === service.version ? `/events/${service.name}/${name}` : `/events/${service.name}/v${service.version}/${name}`;
      operations.push({ path, tag: service.name, operation: operationOf(service, name, event, collector) });
    }
  }
  return operations;
}

function operationOf(service: ServiceContract, name: string, event: EventContract, collector: SchemaComponents): Doc {
  const data = collector.convert(event.data, 'output');
  const responses: Record<string, Doc> = {
    '200': {
      description: EVENT_STREAM_DESCRIPTION,
      content: { 'text/event-stream': { schema: { type: 'string', description: 'Server-Sent Events; each `data:` line is one event (x-accord-event-data)' }, 'x-accord-event-data': data } },
    },
  };
  for (const [code, why] of [...(event.auth ? AUTH_ERRORS : []), ...OPEN_ERRORS]) {
    responses[String(FRAMEWORK_STATUS[code])] = { description: `${code}: ${why}`, content: { 'application/json': { schema: { $ref: '#/components/schemas/AccordError' } } } };
  }
  return {
    operationId: `${serviceKey(service)}.on.${name}`,
    tags: [service.name],
    summary: `${service.name} v${service.version} event ${name}`,
    ...(event.description ? { description: event.description } : {}),
    'x-accord-delivery': 'at-most-once',
    responses,
    security: event.auth ? event.auth.schemes.map((s) => ({ [s]: event.auth!.scopes })) : [],
  };
}
