/**
 * generated/asyncapi.json: AsyncAPI 3.0 that @asyncapi/parser accepts with no error, one channel
 * and one operation per event and server stream (per transport that carries them), payloads as
 * JSON Schema, WebSocket and mesh frames and NATS subjects described, and the same bytes every time it is built.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { service, stream } from 'accord-rpc/contract';
import { buildAsyncApi } from '../../codegen/asyncapi/document.js';
import { stringifyJson } from '../../codegen/canonical-json.js';
import { generate } from '../../codegen/generate.js';
import { loadContracts } from '../../codegen/load-contracts.js';
import { ROOT } from './compile.js';

type Doc = Record<string, any>;
const file = join(ROOT, 'generated', 'asyncapi.json');
const text = readFileSync(file, 'utf8');
const doc = JSON.parse(text) as Doc;

/** Parser diagnostics of severity error (0), as `code at path: message`. */
async function parseErrors(document: string): Promise<string[]> {
  const { diagnostics } = await new Parser().parse(document);
  return diagnostics.filter((d) => d.severity === 0).map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`);
}

describe('generated/asyncapi.json', () => {
  it('is AsyncAPI 3.0 that @asyncapi/parser accepts with no error', async () => {
    expect(await parseErrors(text)).toEqual([]);
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc['x-generated']).toMatch(/npm run gen/);
  });

  it('is what gen (and so gen --check) produces from the contracts today, byte for byte, every time', async () => {
    const loaded = await loadContracts(join(ROOT, 'contracts'));
    expect(generate(loaded, { outDir: join(ROOT, 'generated') }).get('asyncapi.json')).toBe(text);
    expect(stringifyJson(buildAsyncApi(loaded.map((s) => s.contract)))).toBe(text);
  });

  it('has a WebSocket channel and operation per event and server stream, with JSON Schema payloads', () => {
    expect(Object.keys(doc.channels).filter((id) => id.endsWith('.ws'))).toEqual([
      'files.v1.download.ws', 'ticker.v1.watch.ws', 'ticker.v1.alert.ws', 'users.v1.created.ws', 'users.v2.created.ws', 'users.v2.removed.ws',
    ]);
    expect(Object.keys(doc.operations)).toEqual(Object.keys(doc.channels));
    const alert = doc.operations['ticker.v1.alert.ws'];
    expect(alert.action).toBe('send');
    expect(alert['x-accord-ws'].subscribe).toEqual({ type: 'subscribe', id: 1, service: 'ticker', version: 1, event: 'alert' });
    expect(doc.components.messages['ticker.v1.alert'].payload.properties.direction).toEqual({ type: 'string', enum: ['up', 'down'] });
    const watch = doc.operations['ticker.v1.watch.ws'];
    expect(watch.action).toBe('receive');
    expect(watch.reply.messages).toEqual([{ $ref: '#/channels/ticker.v1.watch.ws/messages/item' }, { $ref: '#/channels/ticker.v1.watch.ws/messages/error' }]);
    expect(doc.components.messages['ticker.v1.watch.item'].payload).toEqual({ $ref: '#/components/schemas/Tick' });
    expect(doc.components.schemas.Tick.required).toEqual(['symbol', 'seq', 'price', 'at']);
    expect(doc.channels['users.v2.created.ws'].bindings).toEqual({ ws: { method: 'GET', bindingVersion: '0.1.0' } });
    expect(doc.servers.ws).toMatchObject({ protocol: 'ws', pathname: '/ws' });
  });

  it('has the same channels over NATS (the subjects the NATS transport uses, streams answered in its queue group) and over the mesh (session frames)', () => {
    const ids = (suffix: string) => Object.keys(doc.channels).filter((id) => id.endsWith(suffix)).map((id) => id.slice(0, -suffix.length));
    expect(ids('.nats')).toEqual(ids('.ws'));
    expect(ids('.mesh')).toEqual(ids('.ws'));
    expect(doc.channels['ticker.v1.alert.nats'].address).toBe('accord.ticker.v1.event.alert');
    expect(doc.channels['ticker.v1.watch.nats'].address).toBe('accord.ticker.v1.watch');
    expect(doc.operations['ticker.v1.watch.nats'].bindings).toEqual({ nats: { queue: 'accord', bindingVersion: '0.1.0' } });
    expect(doc.operations['ticker.v1.watch.nats']['x-accord-nats'].request).toMatchObject({ subject: 'accord.ticker.v1.watch', headers: { 'accord-stream': '32' } });
    expect(doc.operations['ticker.v1.watch.nats']['x-accord-nats'].credit.headers).toMatchObject({ 'accord-frame': 'credit', 'accord-credit': '16' });
    expect(doc.operations['ticker.v1.alert.nats']['x-accord-nats'].subscribe).toBe('accord.ticker.v1.event.alert');
    expect(doc.servers.nats).toMatchObject({ protocol: 'nats' });
    expect(doc.servers.mesh).toMatchObject({ protocol: 'accord-mesh', protocolVersion: '1' });
    expect(doc.channels['ticker.v1.watch.mesh'].address).toBeNull();
    expect(doc.operations['ticker.v1.watch.mesh']['x-accord-mesh'].call).toEqual(doc.operations['ticker.v1.watch.ws']['x-accord-ws'].call);
    expect(doc.operations['ticker.v1.alert.mesh']['x-accord-mesh'].event).toMatchObject({ type: 'event', service: 'ticker', version: 1, event: 'alert' });
  });

  it("describes a stream's declared errors and its auth requirement as security", async () => {
    const secured = service({
      name: 'feed',
      version: 1,
      securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'x-feed-key' } },
      methods: {
        follow: stream({
          input: z.object({ topic: z.string() }),
          output: z.object({ seq: z.number().int() }),
          errors: { GONE: { status: 410, data: z.object({ topic: z.string() }) } },
          auth: 'key',
        }),
      },
    });
    const built = buildAsyncApi([secured]) as Doc;
    expect(await parseErrors(JSON.stringify(built))).toEqual([]);
    expect(built.operations['feed.v1.follow.ws'].security).toEqual([{ $ref: '#/components/securitySchemes/key' }]);
    expect(built.components.securitySchemes.key).toEqual({ type: 'httpApiKey', in: 'header', name: 'x-feed-key' });
    expect(built.components.messages['feed.v1.follow.error'].payload.anyOf[0].properties.code).toEqual({ type: 'string', const: 'GONE' });
  });
});
