/**
 * Clients built against another contract: a WebSocket client sends the fingerprints of the
 * contracts it was generated from in its hello, an HTTP client sends its method's with each call.
 * A server with contractCheck 'strict' refuses a call whose fingerprint differs from its own with
 * FAILED_PRECONDITION naming the method; 'warn' serves it and logs once per method and fingerprint;
 * 'off' neither refuses nor logs. Matching fingerprints and callers that send none pass.
 */
import { pino } from 'pino';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { service, unary } from 'accord-rpc/contract';
import { serviceFingerprints, type ContractCheckMode } from 'accord-rpc/core';
import { createServer, type AccordServer } from 'accord-rpc/server';
import { httpClient } from 'accord-rpc/http';
import { wsClient } from 'accord-rpc/ws';
import type { ClientTransport, ContractFingerprints } from 'accord-rpc/client';
import { createClients } from '../../generated/index.js';
import { contractFingerprints } from '../../generated/fingerprints.js';

const HANDLERS = 'examples/handlers/math.ts';

/** The fingerprints of a client generated before math.add grew an optional `precision` field. */
function staleFingerprints(): ContractFingerprints {
  const older = service({
    name: 'math',
    version: 1,
    methods: {
      add: unary({ input: z.object({ a: z.number(), b: z.number(), precision: z.number().optional() }), output: z.object({ sum: z.number() }), route: 'POST /math/add', idempotent: true }),
    },
  });
  const add = serviceFingerprints(older).methods.add!.slice(0, 15);
  expect(add).not.toBe(contractFingerprints['math.v1']!.add);
  return { ...contractFingerprints, 'math.v1': { ...contractFingerprints['math.v1'], add } };
}

type LogRecord = { msg?: string; level: number; method?: string };

async function startServer(mode: ContractCheckMode, records: LogRecord[]): Promise<AccordServer> {
  const logger = pino({ level: 'info' }, { write: (line: string) => void records.push(JSON.parse(line)) });
  const server = await createServer({
    services: [HANDLERS],
    pool: false,
    metrics: false,
    logger,
    contractCheck: mode,
    transports: { http: { host: '127.0.0.1', port: 0 }, ws: {} },
  });
  await server.start();
  return server;
}

const wsUrl = (server: AccordServer) => `${server.urls.http!.replace('http', 'ws')}/ws`;

describe("contractCheck 'strict'", () => {
  const records: LogRecord[] = [];
  let server: AccordServer;
  const transports: ClientTransport[] = [];
  const open = <T extends ClientTransport>(t: T) => (transports.push(t), t);

  beforeAll(async () => {
    server = await startServer('strict', records);
  });
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close?.()));
    await server?.stop();
  });

  it('refuses a WebSocket client built against another math.add with FAILED_PRECONDITION naming the method; its other methods still work', async () => {
    const clients = createClients(open(wsClient({ url: wsUrl(server), contracts: staleFingerprints() })));
    const error = await clients.math.add({ a: 1, b: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FAILED_PRECONDITION', data: { method: 'math.v1.add' } });
    expect((error as Error).message).toMatch(/^math\.v1\.add: the caller was built against another contract/);
    // divide's contract did not change, so its fingerprint matches.
    await expect(clients.math.divide({ a: 6, b: 3 })).resolves.toEqual({ quotient: 2 });
  });

  it('refuses an HTTP client built against another math.add (the accord-fingerprint header)', async () => {
    const clients = createClients(open(httpClient({ url: server.urls.http!, contracts: staleFingerprints() })));
    await expect(clients.math.add({ a: 1, b: 2 })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
  });

  it('serves clients built from the same contracts, over WebSocket and HTTP', async () => {
    const ws = createClients(open(wsClient({ url: wsUrl(server), contracts: contractFingerprints })));
    const http = createClients(open(httpClient({ url: server.urls.http!, contracts: contractFingerprints })));
    await expect(ws.math.add({ a: 1, b: 2 })).resolves.toEqual({ sum: 3 });
    await expect(http.math.add({ a: 2, b: 2 })).resolves.toEqual({ sum: 4 });
  });

  it('serves callers that send no fingerprint (a client without contracts, curl)', async () => {
    const clients = createClients(open(wsClient({ url: wsUrl(server) })));
    await expect(clients.math.add({ a: 1, b: 1 })).resolves.toEqual({ sum: 2 });
    const response = await fetch(`${server.urls.http}/rpc/math/v1/add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1,"b":2}' });
    expect(response.status).toBe(200);
  });
});

describe("contractCheck 'warn' and 'off'", () => {
  it("'warn' serves the stale client and logs one warning per method and fingerprint, naming the method", async () => {
    const records: LogRecord[] = [];
    const server = await startServer('warn', records);
    const transport = wsClient({ url: wsUrl(server), contracts: staleFingerprints() });
    try {
      const clients = createClients(transport);
      await expect(clients.math.add({ a: 1, b: 2 })).resolves.toEqual({ sum: 3 });
      await expect(clients.math.add({ a: 2, b: 2 })).resolves.toEqual({ sum: 4 });
      const warnings = records.filter((r) => r.level === 40 && r.method === 'math.v1.add');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/math\.v1\.add: the caller was built against another contract/);
    } finally {
      await transport.close();
      await server.stop();
    }
  });

  it("'off' serves the stale client without a warning", async () => {
    const records: LogRecord[] = [];
    const server = await startServer('off', records);
    const transport = httpClient({ url: server.urls.http!, contracts: staleFingerprints() });
    try {
      await expect(createClients(transport).math.add({ a: 1, b: 2 })).resolves.toEqual({ sum: 3 });
      expect(records.filter((r) => r.level === 40)).toEqual([]);
    } finally {
      await transport.close?.();
      await server.stop();
    }
  });

  it('a config with an unknown contractCheck names the field and the modes', async () => {
    await expect(createServer({ services: [HANDLERS], pool: false, metrics: false, contractCheck: 'loose' as ContractCheckMode })).rejects.toThrow(
      "config: 'contractCheck' must be one of strict, warn, off",
    );
  });
});
