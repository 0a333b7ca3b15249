/** Credentials at connect time (hello metadata or upgrade headers) apply to every call's guards. */
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../../generated/index.js';
import type { WebSocketConstructor } from 'accord-rpc/ws';
import { rejection, startHarness, type Harness } from './fixture.js';

const newUser = (n: number) => ({ givenName: 'Ada', familyName: `L${n}`, email: `ada${n}@example.com` });

/** A `ws` WebSocket that sends headers with the upgrade request (what a Node service would do). */
function withHeaders(headers: Record<string, string>): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { headers });
    }
  } as unknown as WebSocketConstructor;
}

describe('ws auth', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('a bearer token in the hello metadata authorizes calls', async () => {
    const api = createClients(h.client({ metadata: { Authorization: 'Bearer writer' } }));
    expect(await api.users.create(newUser(1))).toMatchObject({ familyName: 'L1' });
    expect(await api.users.remove({ id: (await api.users.create(newUser(2))).id })).toEqual({ removed: true });
  });

  it('wrong or missing credentials are refused with UNAUTHENTICATED, missing scopes with PERMISSION_DENIED', async () => {
    const forged = createClients(h.client({ metadata: { authorization: 'Bearer forged' } }));
    expect((await rejection(forged.users.create(newUser(3)))).code).toBe('UNAUTHENTICATED');
    const anonymous = createClients(h.client());
    expect((await rejection(anonymous.users.create(newUser(4)))).code).toBe('UNAUTHENTICATED');
    const reader = createClients(h.client({ metadata: { authorization: 'Bearer reader' } }));
    expect((await rejection(reader.users.update({ id: 'u1', givenName: 'X' }))).code).toBe('PERMISSION_DENIED');
  });

  it('credentials in the upgrade request headers count too; per-call metadata overrides them', async () => {
    const transport = h.client({ WebSocket: withHeaders({ authorization: 'Bearer writer' }) });
    const api = createClients(transport);
    expect(await api.users.create(newUser(5))).toMatchObject({ familyName: 'L5' });
    const error = await rejection(api.users.create(newUser(6), { metadata: { authorization: 'Bearer forged' } }));
    expect(error.code).toBe('UNAUTHENTICATED');
  });
});
