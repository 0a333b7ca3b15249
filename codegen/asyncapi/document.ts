/**
 * `generated/asyncapi.json` (AsyncAPI 3.0.0): every event and every server stream of the
 * contracts as channels and operations, payloads as JSON Schema (draft 7, which AsyncAPI schemas
 * extend; named schemas in components/schemas), with the servers and bindings of each transport
 * that carries them (transport-binding.ts). The document describes the Accord server: it `send`s
 * events, and `receive`s stream calls, which it answers with items (the operation's `reply`).
 * Deterministic: services, members and keys in a fixed order, `info.version` a content hash.
 */
import { createHash } from 'node:crypto';
import { serviceKey, type SecurityScheme, type ServiceContract } from '../../runtime/contract/index.js';
import { canonicalJson } from '../canonical-json.js';
import { errorEnvelope, frameworkSchemas } from '../error-schemas.js';
import { JSON_GENERATED_NOTE } from '../file-header.js';
import { SchemaComponents } from '../schema-components.js';
import { TRANSPORT_BINDINGS, type AsyncTarget, type TransportBinding } from './transport-binding.js';

type Doc = Record<string, unknown>;
const ref = (pointer: string): Doc => ({ $ref: pointer });

export function buildAsyncApi(services: ServiceContract[]): Doc {
  const schemas = new SchemaComponents('draft-7');
  const messages: Record<string, Doc> = {};
  const channels: Record<string, Doc> = {};
  const operations: Record<string, Doc> = {};
  const usedSchemes = new Map<string, SecurityScheme>();

  for (const target of asyncTargets(services)) {
    const key = `${serviceKey(target.service)}.${target.name}`;
    const channelMessages = target.kind === 'event' ? eventMessages(target, key, schemas, messages) : streamMessages(target, key, schemas, messages);
    const auth = target.kind === 'stream' ? target.service.methods[target.name].auth : undefined;
    for (const scheme of auth?.schemes ?? []) usedSchemes.set(scheme, target.service.securitySchemes[scheme]);
    for (const binding of TRANSPORT_BINDINGS) {
      const channelId = `${key}.${binding.id}`;
      channels[channelId] = channel(target, binding, channelMessages);
      const own = (name: string): Doc => ref(`#/channels/${channelId}/messages/${name}`);
      operations[channelId] = {
        action: target.kind === 'event' ? 'send' : 'receive',
        channel: ref(`#/channels/${channelId}`),
        title: `${target.service.name} v${target.service.version} ${target.name}`,
        ...summaryOf(target),
        description: binding.describe(target),
        ...(auth ? { security: auth.schemes.map((s) => ref(`#/components/securitySchemes/${s}`)) } : {}),
        messages: target.kind === 'event' ? [own(target.name)] : [own('call')],
        ...(target.kind === 'stream' ? { reply: { channel: ref(`#/channels/${channelId}`), messages: [own('item'), own('error')] } } : {}),
        ...(binding.operationBindings ? { bindings: binding.operationBindings(target) } : {}),
        [`x-accord-${binding.id}`]: binding.usage(target),
      };
    }
  }

  const components: Doc = {
    schemas: sortObject({ ...schemas.components(), AccordError: frameworkSchemas().AccordError }),
    messages,
    ...(usedSchemes.size ? { securitySchemes: securitySchemes(usedSchemes) } : {}),
  };
  const body = schemas.settle({ channels, operations, components }) as Doc;
  return {
    asyncapi: '3.0.0',
    'x-generated': JSON_GENERATED_NOTE,
    info: {
      title: 'Accord services: events and streams',
      version: createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 12),
      description: [
        `Events and server streams of ${services.map(serviceKey).join(', ')}.`,
        'This document describes the Accord server: it sends events to subscribers, and receives stream calls, which it answers with items until the stream ends or fails.',
        'Unary methods are in openapi.json. `info.version` is a fingerprint of this document.',
      ].join(' '),
    },
    defaultContentType: 'application/json',
    servers: Object.fromEntries(TRANSPORT_BINDINGS.map((b) => [b.id, b.server])),
    ...body,
  };
}

/** Streams, then events, of each service version, each in name order. */
function asyncTargets(services: ServiceContract[]): AsyncTarget[] {
  return services.flatMap((service) => [
    ...Object.keys(service.methods).sort().filter((n) => service.methods[n].kind === 'stream').map((name) => ({ service, kind: 'stream' as const, name })),
    ...Object.keys(service.events).sort().map((name) => ({ service, kind: 'event' as const, name })),
  ]);
}

function summaryOf(target: AsyncTarget): Doc {
  const text = target.kind === 'event' ? target.service.events[target.name].description : target.service.methods[target.name].summary;
  return text ? { summary: text } : {};
}

/** The event's message, in components; returns the channel's messages (name → reference). */
function eventMessages(target: AsyncTarget, key: string, schemas: SchemaComponents, messages: Record<string, Doc>): Doc {
  const event = target.service.events[target.name];
  messages[key] = {
    name: target.name,
    title: `${target.service.name} v${target.service.version} ${target.name}`,
    ...(event.description ? { summary: event.description } : {}),
    payload: schemas.convert(event.data, 'output'),
  };
  return { [target.name]: ref(`#/components/messages/${key}`) };
}

/** The stream's call, item and error messages, in components; returns the channel's messages. */
function streamMessages(target: AsyncTarget, key: string, schemas: SchemaComponents, messages: Record<string, Doc>): Doc {
  const method = target.service.methods[target.name];
  const title = `${target.service.name} v${target.service.version} ${target.name}`;
  const declared = Object.keys(method.errors).sort().map((code) => {
    const data = method.errors[code].data;
    return errorEnvelope(code, data ? schemas.convert(data, 'output') : undefined);
  });
  const accordError = ref('#/components/schemas/AccordError');
  messages[`${key}.call`] = { name: `${target.name}.call`, title: `${title}: call`, summary: 'Starts the stream with this input.', payload: schemas.convert(method.input, 'input') };
  messages[`${key}.item`] = { name: `${target.name}.item`, title: `${title}: item`, summary: 'One item of the stream.', payload: schemas.convert(method.output, 'output') };
  messages[`${key}.error`] = {
    name: `${target.name}.error`,
    title: `${title}: error`,
    summary: 'The stream failed; nothing follows. A declared error of the method, or a framework error.',
    // anyOf, not oneOf: a declared code may also be a framework code (NOT_FOUND), and AccordError matches it too.
    payload: declared.length ? { anyOf: [...declared, accordError] } : accordError,
  };
  return Object.fromEntries(['call', 'item', 'error'].map((m) => [m, ref(`#/components/messages/${key}.${m}`)]));
}

function channel(target: AsyncTarget, binding: TransportBinding, messages: Doc): Doc {
  const what = target.kind === 'event' ? 'Event' : 'Server stream';
  return {
    address: binding.address(target),
    title: `${target.service.name} v${target.service.version} ${target.name} (${binding.id})`,
    description: `${what} '${target.name}' of ${target.service.name} v${target.service.version}, over ${String(binding.server.title ?? binding.id)}.`,
    servers: [ref(`#/servers/${binding.id}`)],
    messages,
    ...(binding.channelBindings ? { bindings: binding.channelBindings(target) } : {}),
  };
}

/** Security schemes as AsyncAPI spells them (bearer → http/bearer, API key → httpApiKey in a header). */
function securitySchemes(schemes: Map<string, SecurityScheme>): Doc {
  return Object.fromEntries([...schemes.keys()].sort().map((name) => {
    const scheme = schemes.get(name)!;
    const description = scheme.description ? { description: scheme.description } : {};
    return [name, scheme.type === 'bearer'
      ? { type: 'http', scheme: 'bearer', ...(scheme.format ? { bearerFormat: scheme.format } : {}), ...description }
      : { type: 'httpApiKey', in: 'header', name: scheme.name, ...description }];
  }));
}

function sortObject<T>(value: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, value[k]]));
}

