/**
 * NATS micro discovery (ADR-32) as a standard micro client sees it: `$SRV.PING|INFO|STATS` in all
 * three forms, every reply checked against JSON Schemas written from the spec, the contract
 * fingerprints in the metadata, the micro error headers on failed calls, and the same services
 * read back through @nats-io/services' own client.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { connect, Empty, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { ServiceError, Svcm } from '@nats-io/services';
import { Dispatcher } from 'accord-rpc/core';
import { natsTransport, type InfoResponse, type NatsServerTransport, type StatsResponse } from 'accord-rpc/nats';
import { mathService } from '../../examples/handlers/math.js';
import { createTickerService } from '../../examples/handlers/ticker.js';
import { createUsersServices } from '../../examples/handlers/users.js';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { infoSchema, pingSchema, statsSchema } from './micro-schemas.js';

const ajv = new Ajv({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const valid = {
  ping: ajv.compile(pingSchema),
  info: ajv.compile(infoSchema),
  stats: ajv.compile(statsSchema),
};
const manifest = JSON.parse(readFileSync(new URL('../../generated/manifest.json', import.meta.url), 'utf8')) as {
  services: Record<string, { fingerprint: string; methods: Record<string, { fingerprint: string }> }>;
};

let nats: NatsServer;
let server: NatsServerTransport;
let dispatcher: Dispatcher;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  const users = createUsersServices();
  dispatcher = new Dispatcher({ services: [mathService, createTickerService(), users.v1, users.v2], nodeId: 'micro-node' });
  server = natsTransport({ servers: nats.url });
  await server.start(dispatcher);
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc?.close();
  await server?.stop({ graceMs: 100 });
  await nats?.stop();
});

/** Every reply to a discovery request (gathered until they stop coming). */
async function gather(subject: string, maxWait = 2_000): Promise<Msg[]> {
  const replies: Msg[] = [];
  for await (const msg of await nc.requestMany(subject, Empty, { strategy: 'stall', stall: 100, maxWait })) replies.push(msg);
  return replies;
}

function checked<T>(validate: (typeof valid)[keyof typeof valid], msg: Msg): T {
  const body = msg.json<T>();
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  return body;
}

describe('NATS micro discovery', () => {
  it('$SRV.PING: one reply per service version, each a valid ping_response with a SemVer version and Accord metadata', async () => {
    const pings = (await gather('$SRV.PING')).map((m) => checked<InfoResponse>(valid.ping, m));
    expect(pings.map((p) => `${p.name}@${p.version}`).sort()).toEqual(['math@1.0.0', 'ticker@1.0.0', 'users@1.0.0', 'users@2.0.0']);
    expect(new Set(pings.map((p) => p.id)).size).toBe(4);
    for (const p of pings) expect(p.metadata).toMatchObject({ 'accord.node': 'micro-node', 'accord.prefix': 'accord', 'accord.service': p.name });
  });

  it('answers the .<name> and .<name>.<id> forms of every verb with only the services named', async () => {
    const users = (await gather('$SRV.PING.users')).map((m) => checked<InfoResponse>(valid.ping, m));
    expect(users.map((u) => u.version).sort()).toEqual(['1.0.0', '2.0.0']);
    const v2 = users.find((u) => u.version === '2.0.0')!;
    for (const verb of ['PING', 'INFO', 'STATS'] as const) {
      const one = await gather(`$SRV.${verb}.users.${v2.id}`);
      expect(one).toHaveLength(1);
      const body = checked<InfoResponse>(valid[verb.toLowerCase() as 'ping' | 'info' | 'stats'], one[0]);
      expect(body).toMatchObject({ name: 'users', id: v2.id, version: '2.0.0' });
      expect(await gather(`$SRV.${verb}.math`)).toHaveLength(1);
    }
    expect(await gather('$SRV.PING.nothing', 300)).toHaveLength(0);
  });

  it('$SRV.INFO: endpoints with subject, queue group and kind, and the contract fingerprints of generated/manifest.json', async () => {
    const infos = (await gather('$SRV.INFO')).map((m) => checked<InfoResponse>(valid.info, m));
    const math = infos.find((i) => i.name === 'math')!;
    expect(math.description).toMatch(/Arithmetic/);
    expect(math.metadata['accord.fingerprint']).toBe(manifest.services['math.v1'].fingerprint);
    expect(math.endpoints.map((e) => [e.name, e.subject, e.queue_group])).toEqual([
      ['add', 'accord.math.v1.add', 'accord'],
      ['divide', 'accord.math.v1.divide', 'accord'],
      ['fib', 'accord.math.v1.fib', 'accord'],
    ]);
    const add = math.endpoints[0];
    expect(add.metadata).toEqual({
      'accord.kind': 'unary',
      'accord.idempotent': 'true',
      'accord.fingerprint': manifest.services['math.v1'].methods.add.fingerprint,
      'accord.latest_subject': 'accord.math.latest.add',
    });
    const ticker = infos.find((i) => i.name === 'ticker')!;
    expect(ticker.endpoints.find((e) => e.name === 'watch')?.metadata['accord.kind']).toBe('stream');
    const usersV1 = infos.find((i) => i.name === 'users' && i.version === '1.0.0')!;
    expect(usersV1.endpoints.every((e) => e.metadata['accord.latest_subject'] === undefined)).toBe(true);
  });

  it('$SRV.STATS: requests, errors, the last error and integer nanosecond times per endpoint, started in RFC 3339', async () => {
    const before = Date.now();
    await nc.request('accord.math.v1.add', '{"a":1,"b":2}');
    await nc.request('accord.math.latest.add', '{"a":1,"b":2}');
    await nc.request('accord.math.v1.divide', '{"a":1,"b":0}');
    const [reply] = await gather('$SRV.STATS.math');
    const stats = checked<StatsResponse>(valid.stats, reply);
    expect(Date.parse(stats.started)).toBeLessThanOrEqual(before);
    expect(stats.started).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const add = stats.endpoints.find((e) => e.name === 'add')!;
    const divide = stats.endpoints.find((e) => e.name === 'divide')!;
    const fib = stats.endpoints.find((e) => e.name === 'fib')!;
    expect(add).toMatchObject({ subject: 'accord.math.v1.add', queue_group: 'accord', num_requests: 2, num_errors: 0, last_error: '' });
    expect(add.processing_time).toBeGreaterThan(0);
    expect(add.average_processing_time).toBe(Math.trunc(add.processing_time / 2));
    expect(divide).toMatchObject({ num_requests: 1, num_errors: 1, last_error: '422:cannot divide by zero' });
    expect(fib).toMatchObject({ num_requests: 0, num_errors: 0, last_error: '', processing_time: 0, average_processing_time: 0 });
  });

  it('sets Nats-Service-Error and Nats-Service-Error-Code (the HTTP status of the error) on failed calls', async () => {
    const cases: Array<[string, string, string, RegExp]> = [
      ['accord.math.v1.divide', '{"a":1,"b":0}', '422', /cannot divide by zero/],
      ['accord.math.v1.add', '{"a":"x","b":0}', '400', /invalid input/],
      ['accord.math.v1.add', 'not json', '400', /not valid JSON/],
      ['accord.ticker.v1.watch', '{"symbol":"ACME"}', '400', /stream method/],
      ['accord.users.v2.update', '{"id":"u1"}', '401', /./],
    ];
    for (const [subject, body, status, message] of cases) {
      const reply = await nc.request(subject, body, { timeout: 2_000 });
      expect(reply.headers?.get('Nats-Service-Error-Code'), subject).toBe(status);
      expect(reply.headers?.get('Nats-Service-Error')).toMatch(message);
      const error = ServiceError.toServiceError(reply as never);
      expect(error?.code).toBe(Number(status));
    }
  });

  it('is read back by @nats-io/services\' client: ping, info and stats', async () => {
    const micro = new Svcm(nc as never).client({ strategy: 'stall', stall: 200, maxWait: 2_000 } as never);
    const names: string[] = [];
    for await (const identity of await micro.ping()) names.push(`${identity.name}@${identity.version}`);
    expect(names.sort()).toEqual(['math@1.0.0', 'ticker@1.0.0', 'users@1.0.0', 'users@2.0.0']);
    const infos = [];
    for await (const info of await micro.info('math')) infos.push(info);
    expect(infos).toHaveLength(1);
    expect(infos[0].endpoints.map((e) => e.subject)).toEqual(['accord.math.v1.add', 'accord.math.v1.divide', 'accord.math.v1.fib']);
    const stats = [];
    for await (const s of await micro.stats('math', infos[0].id)) stats.push(s);
    expect(stats).toHaveLength(1);
    expect(stats[0].endpoints?.find((e) => e.name === 'add')?.num_requests).toBeGreaterThanOrEqual(2);
  });
});
