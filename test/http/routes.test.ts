/** The HTTP wire as a plain HTTP client sees it: RPC paths, REST routes, SSE, errors, headers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, json, startHttp, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHttp();
});
afterAll(async () => {
  await h?.stop();
});

const writer = { authorization: 'Bearer writer' };
const reader = { authorization: 'Bearer reader' };

describe('RPC paths', () => {
  it('POST /rpc/<service>/<method> calls the highest version, /v<N>/ a given one', async () => {
    expect(await call(`${h.url}/rpc/math/add`, json({ a: 2, b: 3 }))).toMatchObject({ status: 200, body: { sum: 5 } });
    const latest = await call(`${h.url}/rpc/users/get`, json({ id: 'u1' }));
    expect(latest.body).toMatchObject({ givenName: 'Ada', familyName: 'Lovelace' });
    const v1 = await call(`${h.url}/rpc/users/v1/get`, json({ id: 'u1' }));
    expect(v1.body).toEqual({ id: 'u1', name: 'Ada Lovelace', email: 'ada@example.com' });
    const v2 = await call(`${h.url}/rpc/users/v2/get`, json({ id: 'u1' }));
    expect(v2.body).toEqual(latest.body);
  });

  it('an empty body is an empty input, so defaults apply', async () => {
    const page = await call(`${h.url}/rpc/users/list`, { method: 'POST' });
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeGreaterThan(0);
  });

  it('errors carry {code, message, data} and the status of the table or the contract', async () => {
    const divide = await call(`${h.url}/rpc/math/divide`, json({ a: 1, b: 0 }));
    expect(divide).toMatchObject({ status: 422, body: { code: 'DIVISION_BY_ZERO', message: 'cannot divide by zero', data: { dividend: 1 } } });
    const invalid = await call(`${h.url}/rpc/math/add`, json({ a: 'x' }));
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('INVALID_ARGUMENT');
    expect(invalid.body.data.issues.map((i: { path: string }) => i.path)).toEqual(['a', 'b']);
    const missing = await call(`${h.url}/rpc/users/get`, json({ id: 'zz' }));
    expect(missing).toMatchObject({ status: 404, body: { code: 'NOT_FOUND', data: { id: 'zz' } } });
    expect(await call(`${h.url}/rpc/users/v2/create`, json({ givenName: 'A', familyName: 'B', email: 'a@b.co' }))).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await call(`${h.url}/rpc/users/update`, json({ id: 'u1' }, reader))).toMatchObject({ status: 403, body: { code: 'PERMISSION_DENIED' } });
  });

  it('unknown services, versions, methods and /rpc paths are 501 UNIMPLEMENTED; other unknown paths 404 NOT_FOUND', async () => {
    expect(await call(`${h.url}/rpc/nothing/add`, json({}))).toMatchObject({ status: 501, body: { code: 'UNIMPLEMENTED' } });
    expect(await call(`${h.url}/rpc/math/v7/add`, json({}))).toMatchObject({ status: 501, body: { code: 'UNIMPLEMENTED' } });
    expect(await call(`${h.url}/rpc/math/nope`, json({}))).toMatchObject({ status: 501, body: { code: 'UNIMPLEMENTED' } });
    expect(await call(`${h.url}/rpc/users/version1/get`, json({}))).toMatchObject({ status: 501, body: { code: 'UNIMPLEMENTED' } });
    const get = await call(`${h.url}/rpc/math/add`);
    expect(get).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(get.body.message).toContain('RPC calls use POST');
    expect(await call(`${h.url}/no/such/page?x=1`)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND', message: 'no route GET /no/such/page' } });
  });

  it('accord-timeout sets the deadline; a malformed one is a 400 PROTOCOL_ERROR', async () => {
    const slow = await call(`${h.url}/rpc/users/get`, json({ id: 'slow' }, { 'accord-timeout': '100' }));
    expect(slow).toMatchObject({ status: 504, body: { code: 'DEADLINE_EXCEEDED' } });
    const bad = await call(`${h.url}/rpc/math/add`, json({ a: 1, b: 1 }, { 'accord-timeout': 'soon' }));
    expect(bad).toMatchObject({ status: 400, body: { code: 'PROTOCOL_ERROR' } });
    expect(bad.body.message).toContain('accord-timeout');
  });

  it('headers reach the handler lower-cased, with traceparent and hops', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await call(`${h.url}/rpc/ticker/publish`, json({ symbol: 'ACME', price: 1 }, { 'X-Team': 'core', traceparent, 'accord-hops': '2' }));
    expect(res.status).toBe(200);
    expect(h.probe.lastHeaders).toMatchObject({ 'x-team': 'core', traceparent });
    const loop = await call(`${h.url}/rpc/math/add`, json({ a: 1, b: 1 }, { 'accord-hops': '99' }));
    expect(loop).toMatchObject({ status: 508, body: { code: 'LOOP_DETECTED' } });
  });
});

describe('REST routes from the contracts', () => {
  it('GET with path params and query coercion (numbers, defaults), and the error for a bad one', async () => {
    expect(await call(`${h.url}/v2/users/u2`)).toMatchObject({ status: 200, body: { id: 'u2', givenName: 'Alan' } });
    const page = await call(`${h.url}/v2/users?limit=1`);
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.nextCursor).toBe('u1');
    const next = await call(`${h.url}/v2/users?limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body.items[0].id).toBe('u2');
    const filtered = await call(`${h.url}/v2/users?nameContains=ADA`);
    expect(filtered.body.items.map((u: { id: string }) => u.id)).toEqual(['u1']);
    const bad = await call(`${h.url}/v2/users?limit=lots`);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_ARGUMENT');
    expect(bad.body.data.issues[0].path).toBe('limit');
    expect(await call(`${h.url}/v1/users/u1`)).toMatchObject({ status: 200, body: { name: 'Ada Lovelace' } });
  });

  it('GET /math/divide coerces query numbers; the declared error keeps its status', async () => {
    expect(await call(`${h.url}/math/divide?a=9&b=3`)).toMatchObject({ status: 200, body: { quotient: 3 } });
    expect(await call(`${h.url}/math/divide?a=-1.5e1&b=0`)).toMatchObject({ status: 422, body: { code: 'DIVISION_BY_ZERO', data: { dividend: -15 } } });
    const text = await call(`${h.url}/math/divide?a=nine&b=3`);
    expect(text.status).toBe(400);
    expect(text.body.data.issues[0].path).toBe('a');
  });

  it('POST, PATCH and DELETE take the body and path params', async () => {
    expect(await call(`${h.url}/math/add`, json({ a: 40, b: 2 }))).toMatchObject({ status: 200, body: { sum: 42 } });
    const created = await call(`${h.url}/v2/users`, json({ givenName: 'Katherine', familyName: 'Johnson', email: 'kj@example.com' }, writer));
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    const patched = await call(`${h.url}/v2/users/${id}`, { ...json({ familyName: 'Goble Johnson' }, writer), method: 'PATCH' });
    expect(patched).toMatchObject({ status: 200, body: { id, familyName: 'Goble Johnson' } });
    const denied = await call(`${h.url}/v2/users/${id}`, { method: 'DELETE', headers: reader });
    expect(denied).toMatchObject({ status: 403, body: { code: 'PERMISSION_DENIED' } });
    expect(await call(`${h.url}/v2/users/${id}`, { method: 'DELETE', headers: writer })).toMatchObject({ status: 200, body: { removed: true } });
    expect(await call(`${h.url}/v2/users/${id}`)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND', data: { id } } });
    const notObject = await call(`${h.url}/math/add`, json([1, 2]));
    expect(notObject).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
  });
});

describe('server streams as Server-Sent Events', () => {
  it('sends one `item` message per item, then `end`', async () => {
    const res = await call(`${h.url}/rpc/ticker/watch`, json({ symbol: 'ACME', count: 2, intervalMs: 0 }));
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/event-stream');
    expect(res.body).toBe(
      'event: item\ndata: {"symbol":"ACME","seq":0,"price":100,"at":"2024-01-01T00:00:00.000Z"}\n\n' +
      'event: item\ndata: {"symbol":"ACME","seq":1,"price":101,"at":"2024-01-01T00:00:01.000Z"}\n\n' +
      'event: end\ndata: {}\n\n',
    );
  });

  it('a failure mid-stream is an `error` event; before the first item an ordinary error response', async () => {
    const mid = await call(`${h.url}/rpc/ticker/watch`, json({ symbol: 'FAIL', count: 5, intervalMs: 0 }));
    expect(mid.status).toBe(200);
    expect(mid.body.endsWith('event: error\ndata: {"code":"FAILED_PRECONDITION","message":"the FAIL feed broke after two ticks"}\n\n')).toBe(true);
    expect(mid.body.match(/event: item/g)).toHaveLength(2);
    const before = await call(`${h.url}/rpc/files/download`, json({ id: 'nope' }));
    expect(before).toMatchObject({ status: 404, body: { code: 'NOT_FOUND', data: { id: 'nope' } } });
  });
});
