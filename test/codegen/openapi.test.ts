/**
 * generated/openapi.json: valid OpenAPI 3.1 (@readme/openapi-parser), turned into TypeScript by
 * openapi-typescript that compiles and means what the contracts say, and shaped as docs/codegen.md
 * describes (RPC + REST paths, error responses, SSE, security).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenApi, securitySchemes } from '../../codegen/openapi.js';
import { service, unary } from 'accord-rpc/contract';
import { z } from 'zod';
import { ROOT, compile, formatErrors } from './compile.js';

type Doc = Record<string, any>;
const file = join(ROOT, 'generated', 'openapi.json');
const doc = JSON.parse(readFileSync(file, 'utf8')) as Doc;
const dir = join(ROOT, '.tmp', `openapi-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('generated/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(structuredClone(doc) as Parameters<typeof validate>[0]);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc['x-generated']).toMatch(/npm run gen/);
  });

  it('has an RPC operation per method (versioned path for older versions) and one per REST route', () => {
    expect(doc.paths['/rpc/users/get'].post.operationId).toBe('users.v2.get');
    expect(doc.paths['/rpc/users/v1/get'].post.operationId).toBe('users.v1.get');
    expect(doc.paths['/v2/users/{id}'].get.operationId).toBe('users.v2.get.rest');
    expect(doc.paths['/rpc/math/add'].post.operationId).toBe('math.v1.add');
    const ids = Object.values(doc.paths).flatMap((item: any) => Object.values(item).map((op: any) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/rpc/users/v1/create'].post.deprecated).toBe(true);
  });

  it('maps path params to `in: path`, GET fields to query parameters and POST/PATCH fields to a body', () => {
    const get = doc.paths['/v2/users/{id}'].get;
    expect(get.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1 } }]);
    const list = doc.paths['/v2/users'].get.parameters.map((p: Doc) => [p.name, p.in, p.required]);
    expect(list).toEqual([['limit', 'query', false], ['cursor', 'query', false], ['nameContains', 'query', false]]);
    const patch = doc.paths['/v2/users/{id}'].patch;
    expect(patch.parameters.map((p: Doc) => p.name)).toEqual(['id']);
    expect(Object.keys(patch.requestBody.content['application/json'].schema.properties)).toEqual(['givenName', 'familyName', 'email']);
    expect(Object.keys(doc.paths['/rpc/math/add'].post.requestBody.content)).toEqual(['application/json', 'application/msgpack']);
  });

  it('describes declared errors with their status and data, and framework errors from FRAMEWORK_STATUS', () => {
    const responses = doc.paths['/rpc/math/divide'].post.responses;
    const declared = responses['422'].content['application/json'].schema;
    expect(declared.properties.code).toEqual({ type: 'string', const: 'DIVISION_BY_ZERO' });
    expect(declared.properties.data.properties.dividend).toEqual({ type: 'number' });
    expect(responses['400'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AccordInvalidArgument' });
    expect(Object.keys(responses)).toEqual(['200', '400', '413', '422', '429', '500', '503', '504']);
    // auth adds 401/403; two errors at one status become oneOf
    const upload = doc.paths['/rpc/files/upload'].post.responses;
    expect(upload['401']).toBeDefined();
    expect(upload['413'].content['application/json'].schema.oneOf).toHaveLength(2);
  });

  it('documents streams as Server-Sent Events whose schema is the item', () => {
    const ok = doc.paths['/rpc/ticker/watch'].post.responses['200'];
    expect(ok.content['text/event-stream'].schema).toEqual({ $ref: '#/components/schemas/Tick' });
    expect(ok.description).toMatch(/event: item.*event: end.*event: error/s);
  });

  it('puts named schemas in components, bytes as base64 and security per operation', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(['AccordError', 'AccordInvalidArgument', 'Tick', 'UserV1', 'UserV2']);
    const upload = doc.paths['/rpc/files/upload'].post;
    expect(upload.requestBody.content['application/json'].schema.properties.content).toMatchObject({ type: 'string', contentEncoding: 'base64' });
    expect(upload.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/rpc/users/update'].post.security).toEqual([{ bearer: ['users:write'] }]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
  });

  it('states `security: []` on public operations, describes each tag by its services, and serves from a relative `/`', () => {
    expect(doc.paths['/rpc/math/add'].post.security).toEqual([]);
    expect(doc.paths['/v2/users/{id}'].get.security).toEqual([]);
    expect(doc.tags.find((t: Doc) => t.name === 'math').description).toMatch(/^Arithmetic/);
    expect(doc.tags.find((t: Doc) => t.name === 'users').description).toMatch(/^users v1: User accounts .* users v2: User accounts/);
    expect(doc.servers).toEqual([{ url: '/', description: 'The Accord server that serves this document' }]);
    const methods = { ping: unary({ input: z.object({}), output: z.object({}) }) };
    const servers = [{ url: 'https://api.example.com', description: 'production' }];
    expect(buildOpenApi([service({ name: 'serversDemo', version: 1, methods })], { servers }).servers).toEqual(servers);
  });

  it('becomes TypeScript through openapi-typescript that compiles and types the operations', async () => {
    const types = astToString(await openapiTS(structuredClone(doc) as never));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'openapi.d.ts'), types);
    writeFileSync(join(dir, 'use.ts'), [
      `import type { paths, components } from './openapi.js';`,
      `type Get = paths['/v2/users/{id}']['get'];`,
      `export const id: Get['parameters']['path']['id'] = 'u1';`,
      `export const user: components['schemas']['UserV2'] = { id: 'u', givenName: 'a', familyName: 'b', email: 'a@b.c', createdAt: '' };`,
      `type AddBody = paths['/rpc/math/add']['post']['requestBody']['content']['application/json'];`,
      `export const body: AddBody = { a: 1, b: 2 };`,
      `// @ts-expect-error a is a number`,
      `export const wrong: AddBody = { a: 'x', b: 2 };`,
    ].join('\n'));
    expect(formatErrors(compile([join(dir, 'use.ts')]))).toBe('');
  });
});

describe('security schemes across services', () => {
  it('refuses one scheme name declared differently by two services, naming both', () => {
    const methods = { ping: unary({ input: z.object({}), output: z.object({}) }) };
    const a = service({ name: 'alpha', version: 1, methods, securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'x-a' } } });
    const b = service({ name: 'beta', version: 1, methods, securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'x-b' } } });
    expect(() => securitySchemes([a, b])).toThrow(/openapi\.test\.ts.*'beta\.v1' declares security scheme 'key' differently from service 'alpha\.v1'/);
  });
});

describe('named schemas whose input and output differ', () => {
  it('become two components, <id> (output) and <id>Input, and REST query parameters come from the input side', () => {
    const Page = z.object({ size: z.number().default(10), cursor: z.string().optional() }).meta({ id: 'OpenApiTestPage' });
    const demo = service({ name: 'demo', version: 1, methods: { list: unary({ route: 'GET /demo', input: Page, output: z.object({ page: Page }) }) } });
    const built = buildOpenApi([demo]) as Doc;
    expect(built.components.schemas.OpenApiTestPage.required).toEqual(['size']);
    expect(built.components.schemas.OpenApiTestPageInput.required).toBeUndefined();
    expect(built.paths['/rpc/demo/list'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/OpenApiTestPageInput' });
    expect(built.paths['/demo'].get.parameters.map((p: Doc) => [p.name, p.required])).toEqual([['size', false], ['cursor', false]]);
  });
});

describe('REST routes', () => {
  it('refuses two methods on one verb and path, naming the file and method', () => {
    const route = (r: string) => unary({ route: r, input: z.object({ id: z.string() }), output: z.object({}) });
    const a = service({ name: 'clashA', version: 1, methods: { get: route('GET /things/{id}') } });
    const b = service({ name: 'clashB', version: 1, methods: { find: route('GET /things/{id}') } });
    expect(() => buildOpenApi([a, b])).toThrow(/openapi\.test\.ts:\d+: service 'clashB\.v1' method 'find': GET \/things\/\{id\} is already the path of clashA\.v1\.get\.rest/);
  });
});
