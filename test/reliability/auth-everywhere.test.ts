/**
 * Auth is the same on every transport. One server process (support/target.ts) serves the example
 * contracts over HTTP, WebSocket, NATS and the mesh at once, with the conformance authenticate hook
 * (`Bearer reader`: no scopes, `Bearer writer`: users:write). The same generated call, users.v2
 * update (bearer, scope users:write), is made over each transport without credentials, with a
 * forged one, with the wrong scope and with the right one: every transport must give the same
 * answer, error codes, messages and data alike. Beside the contract's auth, each network keeps its
 * own gate: a mesh peer must prove the mesh key, and a NATS user may only use the subjects its
 * permissions (in the nats-server config) allow.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccordError, ClientTransport } from 'accord-rpc/core';
import { httpClient } from 'accord-rpc/http';
import { meshClient, MeshKey, type HelloFrame, type RefuseFrame } from 'accord-rpc/mesh';
import { natsClient } from 'accord-rpc/nats';
import { wsClient } from 'accord-rpc/ws';
import { createClients } from '../../generated/index.js';
import { RawPeer } from '../mesh/harness.js';
import { startNatsServer, type NatsServer, type NatsUser } from '../support/nats-server.js';
import { eventually } from './support/connection-flood.js';
import { MESH_KEY } from './support/mesh-cases.js';
import { Target } from './support/target.js';
import type { TransportName } from './support/well-behaved.js';

const TRANSPORTS: TransportName[] = ['http', 'ws', 'nats', 'mesh'];
/** The permissions docs/nats.md lists: a server's, and a caller's of all services or of math only. */
const SERVER_SUBJECTS = ['accord.>', '_INBOX.>', '$SRV.>'];
const USERS: NatsUser[] = [
  { user: 'server', password: 'server-secret', permissions: { publish: SERVER_SUBJECTS, subscribe: SERVER_SUBJECTS } },
  { user: 'caller', password: 'caller-secret', permissions: { publish: ['accord.>', '_INBOX.>', '$SRV.>'], subscribe: ['_INBOX.>'] } },
  { user: 'math-only', password: 'math-secret', permissions: { publish: ['accord.math.>', 'accord._probe', 'accord._cancel', '_INBOX.>', '$SRV.>'], subscribe: ['_INBOX.>'] } },
];
const UPDATE_U1 = { id: 'u1', givenName: 'Augusta' };

type Outcome = { output: unknown } | { error: { class: string; name: string; code: string; message: string; data: unknown } };

async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    return { output: await call };
  } catch (error) {
    const e = error as AccordError;
    return { error: { class: e.constructor.name, name: e.name, code: e.code, message: e.message, data: e.data } };
  }
}

describe('auth on every transport', () => {
  let nats: NatsServer;
  let target: Target;
  const transports = {} as Record<TransportName, ClientTransport>;
  const extra: ClientTransport[] = [];

  /** users.update over every transport with `authorization` (none when undefined), by transport. */
  async function updateEverywhere(authorization: string | undefined): Promise<Record<TransportName, Outcome>> {
    const metadata = authorization === undefined ? undefined : { metadata: { authorization } };
    const results = await Promise.all(TRANSPORTS.map((name) => outcome(createClients(transports[name], { ...metadata, timeoutMs: 3_000 }).users.update(UPDATE_U1))));
    return Object.fromEntries(TRANSPORTS.map((name, i) => [name, results[i]])) as Record<TransportName, Outcome>;
  }

  /** Every transport gave HTTP's answer, which has `code`. */
  function expectSameError(results: Record<TransportName, Outcome>, code: string): void {
    expect(results.http).toMatchObject({ error: { class: 'AccordError', code } });
    for (const name of TRANSPORTS) expect({ [name]: results[name] }).toEqual({ [name]: results.http });
  }

  beforeAll(async () => {
    nats = await startNatsServer({ users: USERS });
    target = await Target.start({
      http: {}, ws: {}, mesh: { key: MESH_KEY },
      nats: { servers: nats.url, user: 'server', pass: 'server-secret', discoveryWaitMs: 50 },
    });
    const { ready } = target;
    transports.http = httpClient({ url: ready.http! });
    transports.ws = wsClient({ url: ready.ws! });
    transports.nats = natsClient({ servers: nats.url, user: 'caller', pass: 'caller-secret' });
    transports.mesh = meshClient({ key: MESH_KEY, seeds: [`127.0.0.1:${ready.meshPort}`] });
  });
  afterAll(async () => {
    await Promise.all([...Object.values(transports), ...extra].map((t) => t.close?.().catch(() => undefined)));
    await target?.stop();
    await nats?.stop();
  });

  it('answers a call without credentials UNAUTHENTICATED, identically on HTTP, WebSocket, NATS and the mesh', async () => {
    expectSameError(await updateEverywhere(undefined), 'UNAUTHENTICATED');
  });

  it('answers a credential the server does not accept UNAUTHENTICATED, identically on every transport', async () => {
    expectSameError(await updateEverywhere('Bearer forged'), 'UNAUTHENTICATED');
  });

  it('answers a caller without the users:write scope PERMISSION_DENIED, identically on every transport', async () => {
    expectSameError(await updateEverywhere('Bearer reader'), 'PERMISSION_DENIED');
  });

  it('runs the call of a caller with the scope, with the same output on every transport', async () => {
    const results = await updateEverywhere('Bearer writer');
    expect(results.http).toMatchObject({ output: { id: 'u1', givenName: 'Augusta' } });
    for (const name of TRANSPORTS) expect({ [name]: results[name] }).toEqual({ [name]: results.http });
  });

  it('keeps out a mesh peer that does not know the key: its calls fail naming UNAUTHENTICATED, and a bad proof is refused', async () => {
    const outsider = meshClient({ key: 'not-the-mesh-key-0123456789', seeds: [`127.0.0.1:${target.ready.meshPort}`], reconnect: { initialDelayMs: 1_000, maxDelayMs: 1_000 } });
    extra.push(outsider);
    const error = await outcome(createClients(outsider, { retry: false }).math.add({ a: 1, b: 1 }));
    expect(error).toMatchObject({ error: { code: 'UNAVAILABLE', message: expect.stringContaining('UNAUTHENTICATED') } });

    // A dialer that cannot prove the key is refused by the node itself.
    const peer = await RawPeer.connect(target.ready.meshPort!);
    try {
      const nonce = randomBytes(32);
      peer.sendControl({ type: 'hello', protocols: [1], node: 'impostor', nonce });
      const hello = (await peer.nextControl('hello', 2_000)) as HelloFrame;
      peer.sendControl({ type: 'auth', proof: new MeshKey('not-the-mesh-key-0123456789').proof('dialer', 1, 'impostor', hello.node, nonce, hello.nonce) });
      const refusal = (await peer.nextControl('refuse', 2_000)) as RefuseFrame | undefined;
      expect(refusal?.error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('could not prove it knows the mesh key') });
      await peer.closed;
    } finally {
      peer.close();
    }
    expect((await target.stats()).meshLinks).toBe(1); // the meshClient above, and nobody else
  });

  it('refuses a NATS user without permission for the service\'s subjects at once with PERMISSION_DENIED, and serves it what it may use', async () => {
    const reported: AccordError[] = [];
    const limited = natsClient({ servers: nats.url, user: 'math-only', pass: 'math-secret', onError: (error) => reported.push(error) });
    extra.push(limited);
    const api = createClients(limited, { metadata: { authorization: 'Bearer writer' }, timeoutMs: 5_000 });
    expect(await api.math.add({ a: 2, b: 3 })).toEqual({ sum: 5 });
    const started = Date.now();
    const denied = await outcome(api.users.update(UPDATE_U1));
    expect(denied).toMatchObject({ error: { code: 'PERMISSION_DENIED', message: expect.stringContaining('publish to accord.users.v2.update') } });
    // Not a heartbeat timeout (3 s) nor the deadline: the NATS server's refusal itself.
    expect(Date.now() - started).toBeLessThan(1_000);
    // Its events too: the subscription is refused, and the client says so.
    limited.subscribe({ service: 'ticker', version: 1, event: 'alert' }, () => undefined);
    expect(await eventually(() => reported.length > 0, 2_000)).toBe(true);
    expect(reported[0]).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('accord.ticker.v1.event.alert') });
  });

  it('refuses a NATS connection whose password is wrong, saying so', async () => {
    const stranger = natsClient({ servers: nats.url, user: 'caller', pass: 'wrong', circuit: false });
    extra.push(stranger);
    const refused = await outcome(createClients(stranger, { retry: false }).math.add({ a: 1, b: 1 }));
    expect(refused).toMatchObject({ error: { code: 'UNAVAILABLE', message: expect.stringMatching(/Authorization Violation/i) } });
  });
});
