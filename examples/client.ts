/**
 * Calls every method of the example services through the generated clients over HTTP, and prints
 * what comes back, typed errors included. Run it against the demo server:
 *
 *   npm run demo                          # in one terminal
 *   npx tsx examples/client.ts [url]      # in another (default http://127.0.0.1:3000)
 *
 * When the server also serves WebSocket (the demo does), it subscribes to events over `<url>/ws`.
 * Exits 0 when every call behaved as expected and every method was covered.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { files } from '../contracts/files.js';
import { math } from '../contracts/math.js';
import { ticker } from '../contracts/ticker.js';
import { usersV1, usersV2 } from '../contracts/users.js';
import { createClients } from '../generated/index.js';
import type { ClientTransport } from 'accord-rpc/client';
import { AccordError } from 'accord-rpc/core';
import { httpClient } from 'accord-rpc/http';
import { wsClient } from 'accord-rpc/ws';

/** Demo credentials accepted by accord.config.ts (demo only). */
const ADMIN = { authorization: 'Bearer demo-admin' };
const READER = { authorization: 'Bearer demo-reader' };
const API_KEY = { 'x-api-key': 'demo-api-key' };

/** Every method of the example services, as `service.vN.method`. */
export const ALL_METHODS: readonly string[] = [math, usersV1, usersV2, files, ticker]
  .flatMap((s) => Object.keys(s.methods).map((m) => `${s.name}.v${s.version}.${m}`))
  .sort();

export interface ClientRun {
  called: string[];
  missing: string[];
  events: string[];
}

/** Wraps a transport to record which methods were called. */
function recording(transport: ClientTransport, called: Set<string>): ClientTransport {
  return {
    unary: (call) => {
      called.add(`${call.service}.v${call.version}.${call.method}`);
      return transport.unary(call);
    },
    stream: (call) => {
      called.add(`${call.service}.v${call.version}.${call.method}`);
      return transport.stream(call);
    },
    subscribe: transport.subscribe?.bind(transport),
    close: transport.close?.bind(transport),
  };
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`unexpected result: ${message}`);
}

/** The error a call fails with (and a failure if it succeeds). */
async function failure(work: Promise<unknown>): Promise<AccordError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof AccordError) return error;
    throw error;
  }
  throw new Error('the call succeeded, but an error was expected');
}

const show = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v));

export async function runExampleClient(url: string, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<ClientRun> {
  const called = new Set<string>();
  const clientsWith = (metadata: Record<string, string> = {}, codec: 'json' | 'msgpack' = 'json') =>
    createClients(recording(httpClient({ url, metadata, codec }), called));
  const anonymous = clientsWith();
  const admin = clientsWith({ ...ADMIN, ...API_KEY });
  const reader = clientsWith(READER);
  const events: string[] = [];
  const closeEvents = await subscribeToEvents(url, events, log);
  const run = Date.now().toString(36);

  log(`Accord example client -> ${url}`);

  // math
  const sum = await anonymous.math.add({ a: 2, b: 3 });
  log(`math.add({a:2,b:3}) = ${show(sum)}`);
  check(sum.sum === 5, 'math.add');
  const fib = await anonymous.math.fib({ n: 25 });
  log(`math.fib({n:25}) = ${show(fib)}   (ran in the worker pool)`);
  check(fib.value === 75_025, 'math.fib');
  const quotient = await anonymous.math.divide({ a: 7, b: 2 });
  log(`math.divide({a:7,b:2}) = ${show(quotient)}`);
  check(quotient.quotient === 3.5, 'math.divide');
  const byZero = await failure(anonymous.math.divide({ a: 1, b: 0 }));
  check(anonymous.math.isError(byZero, 'DIVISION_BY_ZERO') && byZero.data.dividend === 1, 'typed DIVISION_BY_ZERO');
  log(`math.divide({a:1,b:0}) failed as declared: ${byZero.code} ${show(byZero.data)}`);

  // users v2
  const email = `ada.${run}@example.com`;
  const ada = await admin.usersV2.create({ givenName: 'Ada', familyName: 'Lovelace', email });
  log(`users.v2.create = ${show(ada)}`);
  const taken = await failure(admin.usersV2.create({ givenName: 'Ada', familyName: 'Again', email }));
  check(admin.usersV2.isError(taken, 'ALREADY_EXISTS') && taken.data.email === email, 'typed ALREADY_EXISTS');
  log(`users.v2.create (same email) failed as declared: ${taken.code}`);
  const unauthenticated = await failure(anonymous.usersV2.create({ givenName: 'No', familyName: 'Token', email: `x.${run}@example.com` }));
  check(unauthenticated.code === 'UNAUTHENTICATED', 'create without a token');
  log(`users.v2.create without a token: ${unauthenticated.code}`);
  const fetched = await anonymous.usersV2.get({ id: ada.id });
  log(`users.v2.get = ${show(fetched)}`);
  check(fetched.email === email, 'users.v2.get');
  const found = await anonymous.usersV2.list({ nameContains: 'lovelace', limit: 100 });
  log(`users.v2.list({nameContains:'lovelace'}) = ${found.items.length} user(s)`);
  check(found.items.some((u) => u.id === ada.id), 'users.v2.list');
  const denied = await failure(reader.usersV2.update({ id: ada.id, familyName: 'King' }));
  check(denied.code === 'PERMISSION_DENIED', 'update without users:write');
  log(`users.v2.update with the reader token: ${denied.code}`);
  const updated = await admin.usersV2.update({ id: ada.id, familyName: 'King' });
  log(`users.v2.update = ${show(updated)}`);
  check(updated.familyName === 'King', 'users.v2.update');

  // users v1, over the same store
  const grace = await admin.usersV1.create({ name: 'Grace Hopper', email: `grace.${run}@example.com` });
  log(`users.v1.create = ${show(grace)}`);
  const adaV1 = await anonymous.usersV1.get({ id: ada.id });
  log(`users.v1.get (a v2 user, seen through v1) = ${show(adaV1)}`);
  check(adaV1.name === 'Ada King', 'users.v1.get');
  const page = await anonymous.usersV1.list({ limit: 100 });
  log(`users.v1.list = ${page.items.length} user(s)`);
  check(page.items.some((u) => u.id === grace.id), 'users.v1.list');

  const removed = await admin.usersV2.remove({ id: ada.id });
  log(`users.v2.remove = ${show(removed)}`);
  const gone = await failure(anonymous.usersV2.get({ id: ada.id }));
  check(anonymous.usersV2.isError(gone, 'NOT_FOUND') && gone.data.id === ada.id, 'typed NOT_FOUND');
  log(`users.v2.get (removed) failed as declared: ${gone.code} ${show(gone.data)}`);

  // files (in the worker pool). MessagePack carries the bytes as bytes; JSON would carry base64 text.
  const binary = clientsWith(API_KEY, 'msgpack');
  const content = new Uint8Array(100_000).map((_, i) => (i * 7) % 256);
  const keyless = await failure(anonymous.files.upload({ name: 'x.bin', content }));
  check(keyless.code === 'UNAUTHENTICATED', 'upload without an API key');
  log(`files.upload without an API key: ${keyless.code}`);
  const stored = await binary.files.upload({ name: 'pattern.bin', contentType: 'application/octet-stream', content });
  log(`files.upload = ${show(stored)}`);
  check(stored.size === content.byteLength, 'files.upload');
  const chunks: Uint8Array[] = [];
  for await (const part of binary.files.download({ id: stored.id, chunkSize: 32_768 })) chunks.push(part.chunk);
  const copy = Buffer.concat(chunks);
  log(`files.download = ${chunks.length} chunks, ${copy.byteLength} bytes`);
  check(createHash('sha256').update(copy).digest('hex') === stored.sha256, 'files.download content');

  // ticker
  const ticks = [];
  for await (const tick of anonymous.ticker.watch({ symbol: 'ACME', count: 5, intervalMs: 20 })) ticks.push(tick);
  log(`ticker.watch({symbol:'ACME',count:5}) = ${ticks.map((t) => t.price).join(', ')}`);
  check(ticks.length === 5 && ticks[4]!.seq === 5, 'ticker.watch');
  const below = await anonymous.ticker.publish({ symbol: 'ACME', price: 90, threshold: 100 });
  const above = await anonymous.ticker.publish({ symbol: 'ACME', price: 105 });
  log(`ticker.publish 90 then 105 (threshold 100) = ${show(below)}, ${show(above)}`);
  check(!below.alerted && above.alerted, 'ticker.publish');

  if (closeEvents) {
    await new Promise((r) => setTimeout(r, 200));
    await closeEvents();
    log(`events received over WebSocket: ${events.join(', ') || 'none'}`);
  }

  const missing = ALL_METHODS.filter((m) => !called.has(m));
  log(`covered ${ALL_METHODS.length - missing.length}/${ALL_METHODS.length} methods${missing.length ? `; missing: ${missing.join(', ')}` : ''}`);
  return { called: [...called].sort(), missing, events };
}

/** Subscribes to the examples' events over `<url>/ws`; skipped when the server does not serve WebSocket. */
async function subscribeToEvents(url: string, events: string[], log: (line: string) => void): Promise<(() => Promise<void>) | undefined> {
  const transport = wsClient({ url: `${url.replace(/^http/, 'ws')}/ws`, reconnect: false, connectTimeoutMs: 3_000 });
  const clients = createClients(transport);
  const offs = [
    clients.usersV2.on('created', (u) => events.push(`users.v2 created ${u.email}`)),
    clients.usersV2.on('removed', (r) => events.push(`users.v2 removed ${r.id}`)),
    clients.ticker.on('alert', (a) => events.push(`ticker alert ${a.symbol} ${a.direction} ${a.price}`)),
  ];
  const close = async () => {
    offs.forEach((off) => off());
    await transport.close?.();
  };
  try {
    // A round trip on the socket makes sure the subscriptions are in place before the calls start.
    await clients.math.add({ a: 0, b: 0 });
  } catch (error) {
    log(`no WebSocket at ${url}/ws (${(error as Error).message}); events skipped`);
    await close().catch(() => undefined);
    return undefined;
  }
  return close;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const url = (process.argv[2] ?? process.env.ACCORD_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  try {
    const result = await runExampleClient(url);
    process.exitCode = result.missing.length === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`example client failed: ${error instanceof AccordError ? `${error.code}: ${error.message}` : (error as Error)?.stack ?? error}\n`);
    process.exitCode = 1;
  }
}
