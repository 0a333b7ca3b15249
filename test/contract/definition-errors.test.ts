/**
 * A contract that cannot work fails when it is defined, with a message naming the file (this
 * one, from the call stack), the service and the method: duplicates across modules, reserved
 * words, unsupported zod types, route parameters missing from the input, bad error codes.
 */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ContractError, bytes, collectServices, event, service, stream, unary } from 'accord-rpc/contract';

const HERE = 'test/contract/definition-errors.test.ts';
const ok = () => unary({ input: z.object({ id: z.string() }), output: z.object({ ok: z.boolean() }) });

/** The ContractError `define` throws (fails the test if it does not throw one). */
function definitionError(define: () => unknown): ContractError {
  try {
    define();
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    return error as ContractError;
  }
  throw new Error('expected a ContractError');
}

describe('contract definition errors name the file, service and method', () => {
  it('refuses one service name and version defined in two modules', () => {
    const first = service({ name: 'orders', version: 1, methods: { get: ok() } });
    const second = service({ name: 'orders', version: 1, methods: { get: ok() } });
    const error = definitionError(() => collectServices([{ first }, { second }]));
    expect(error.message).toMatch(new RegExp(`^${HERE}:\\d+: service 'orders\\.v1' is already defined in ${HERE}:\\d+`));
    // The same object exported twice (re-export) is one service, and versions side by side are fine.
    const v2 = service({ name: 'orders', version: 2, methods: { get: ok() } });
    expect(collectServices([{ first }, { again: first, v2 }]).map((s) => s.version)).toEqual([1, 2]);
  });

  it.each([
    ['constructor', "'constructor' is reserved"],
    ['then', "'then' is reserved"],
    ['isError', "'isError' is reserved"],
    ['delete', "'delete' is reserved"],
  ])('refuses the reserved method name %s', (name, message) => {
    const error = definitionError(() => service({ name: 'orders', version: 1, methods: { [name]: ok() } }));
    expect(error.message).toMatch(new RegExp(`^${HERE}:\\d+: service 'orders': method '${name}': ${message}`));
  });

  it('refuses reserved service names and bad identifiers', () => {
    expect(definitionError(() => service({ name: 'rpc', version: 1, methods: {} })).message).toMatch(new RegExp(`^${HERE}:\\d+: service 'rpc': 'rpc' is reserved`));
    expect(definitionError(() => service({ name: 'Orders', version: 1, methods: {} })).message).toMatch(/service 'Orders': the service name must be a camelCase identifier/);
    expect(definitionError(() => service({ name: 'orders', version: 0, methods: {} })).message).toMatch(/version must be a positive integer/);
  });

  it.each([
    ['z.date()', () => z.object({ when: z.date() }), /input\.when uses z\.date\(\).*z\.iso\.datetime\(\)/],
    ['z.bigint()', () => z.object({ n: z.bigint() }), /input\.n uses z\.bigint\(\)/],
    ['z.map()', () => z.object({ m: z.map(z.string(), z.number()) }), /input\.m uses z\.map\(\).*z\.record\(\)/],
    ['nested z.set()', () => z.object({ items: z.array(z.object({ tags: z.set(z.string()) })) }), /input\.items\[\]\.tags uses z\.set\(\)/],
    ['z.custom()', () => z.object({ c: z.custom<string>(() => true) }), /input\.c uses z\.custom\(\)/],
  ])('refuses the unsupported type %s with its path', (_label, input, message) => {
    const error = definitionError(() => service({ name: 'orders', version: 1, methods: { put: unary({ input: input(), output: z.object({}) }) } }));
    expect(error.message).toMatch(new RegExp(`^${HERE}:\\d+: service 'orders': method 'put': `));
    expect(error.message).toMatch(message);
  });

  it('accepts bytes(), which is a custom check underneath', () => {
    expect(() => service({ name: 'blobs', version: 1, methods: { put: unary({ input: z.object({ data: bytes() }), output: z.object({}) }) } })).not.toThrow();
  });

  it('refuses unsupported types in outputs, error data and events too', () => {
    const output = definitionError(() => service({ name: 'orders', version: 1, methods: { get: unary({ input: z.object({}), output: z.object({ at: z.date() }) }) } }));
    expect(output.message).toMatch(/method 'get': output\.at uses z\.date\(\)/);
    const data = definitionError(() => service({
      name: 'orders', version: 1,
      methods: { get: unary({ input: z.object({}), output: z.object({}), errors: { GONE: { status: 410, data: z.object({ at: z.date() }) } } }) },
    }));
    expect(data.message).toMatch(/method 'get': errors\.GONE\.data\.at uses z\.date\(\)/);
    const ev = definitionError(() => service({ name: 'orders', version: 1, methods: {}, events: { placed: event({ data: z.object({ at: z.date() }) }) } }));
    expect(ev.message).toMatch(new RegExp(`^${HERE}:\\d+: service 'orders': event 'placed': data\\.at uses z\\.date\\(\\)`));
  });

  it('refuses a route parameter that is not a field of the input', () => {
    const error = definitionError(() => service({
      name: 'orders', version: 1,
      methods: { get: unary({ route: 'GET /orders/{orderId}', input: z.object({ id: z.string() }), output: z.object({}) }) },
    }));
    expect(error.message).toMatch(new RegExp(`^${HERE}:\\d+: service 'orders': method 'get': route 'GET /orders/\\{orderId\\}' uses path parameter '\\{orderId\\}', which is not a field of the input`));
  });

  it('refuses malformed routes and routes under /rpc', () => {
    const route = (r: string) => definitionError(() => service({ name: 'orders', version: 1, methods: { get: unary({ route: r, input: z.object({ id: z.string() }), output: z.object({}) }) } })).message;
    expect(route('FETCH /orders')).toMatch(/method 'get': route 'FETCH \/orders' uses FETCH/);
    expect(route('POST /rpc/orders')).toMatch(/method 'get': .*reserves for RPC calls/);
    expect(route('GET /orders/x{id}')).toMatch(/method 'get': .*malformed segment/);
  });

  it.each([
    ['notUpper', { status: 400 }, /error code 'notUpper' must be UPPER_SNAKE_CASE/],
    ['INTERNAL', { status: 500 }, /error code 'INTERNAL' is sent by the framework itself/],
    ['TEAPOT', { status: 200 }, /error 'TEAPOT' needs an HTTP status from 400 to 599/],
    ['NOT_FOUND', { status: 410 }, /error 'NOT_FOUND' must keep the framework's status 404/],
  ])('refuses the bad error declaration %s', (code, spec, message) => {
    const error = definitionError(() => service({
      name: 'orders', version: 1,
      methods: { get: unary({ input: z.object({}), output: z.object({}), errors: { [code]: spec } }) },
    }));
    expect(error.message).toMatch(new RegExp(`^${HERE}:\\d+: service 'orders': method 'get': `));
    expect(error.message).toMatch(message);
  });

  it('refuses auth naming an undeclared security scheme, and a stream defined as a plain object', () => {
    const auth = definitionError(() => service({ name: 'orders', version: 1, methods: { get: unary({ input: z.object({}), output: z.object({}), auth: 'bearer' }) } }));
    expect(auth.message).toMatch(/method 'get': auth uses security scheme 'bearer', which the service does not declare/);
    const raw = definitionError(() => service({ name: 'orders', version: 1, methods: { watch: { kind: 'stream' } as never } }));
    expect(raw.message).toMatch(/method 'watch': define it with unary\(\{\.\.\.\}\) or stream\(\{\.\.\.\}\)/);
    expect(() => service({ name: 'orders', version: 1, methods: { watch: stream({ input: z.object({}), output: z.object({}) }) } })).not.toThrow();
  });
});
