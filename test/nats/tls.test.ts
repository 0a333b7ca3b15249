/**
 * NATS over TLS: `natsTransport` and `natsClient` take nats.js's TLS options (`tls: { ca, cert,
 * key }`), tested against real nats-servers that require TLS, one of them client certificates too.
 * A plain-text connection gets nothing, a client that does not trust the server's certificate is
 * refused with a clear error, and with the CA (and, where asked, a certificate) calls go through
 * encrypted. Certificates: test/mesh/fixtures (a self-signed test CA valid for 127.0.0.1, and
 * another one nobody here trusts).
 */
import { connect as connectTcp } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccordError, Dispatcher } from 'accord-rpc/core';
import { natsClient, natsTransport, type NatsClientOptions, type NatsServerTransport } from 'accord-rpc/nats';
import { conformanceServices, createProbe } from '../conformance/handlers.js';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';

const fixture = (name: string) => fileURLToPath(new URL(`../mesh/fixtures/${name}`, import.meta.url));
const pem = (name: string) => readFileSync(fixture(name), 'utf8');
const serverFiles = { certFile: fixture('tls-cert.pem'), keyFile: fixture('tls-key.pem') };
/** Trusts the test CA, which signed the servers' certificate. */
const trusting = { ca: pem('tls-cert.pem') };
/** Also presents a certificate the test CA signed. */
const certified = { ...trusting, cert: pem('tls-cert.pem'), key: pem('tls-key.pem') };
const untrusted = { ...trusting, cert: pem('tls-other-cert.pem'), key: pem('tls-other-key.pem') };

async function failure(promise: Promise<unknown>): Promise<AccordError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AccordError);
  return error as AccordError;
}

/** What a client speaking plain NATS gets from `port`: the server's INFO, then (it must not be) a PONG. */
function plainConversation(port: number): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = connectTcp({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(), 3_000);
    socket.on('data', (data) => {
      if (!received) socket.write('CONNECT {"verbose":false,"headers":true}\r\nPING\r\n');
      received += data.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

describe('NATS over TLS', () => {
  let tlsOnly: NatsServer;
  let mutual: NatsServer;
  const transports: NatsServerTransport[] = [];
  const clients: Array<{ close(): Promise<void> }> = [];
  const serve = async (options: Parameters<typeof natsTransport>[0]) => {
    const transport = natsTransport({ discoveryWaitMs: 50, ...options });
    await transport.start(new Dispatcher({ services: conformanceServices(createProbe()), nodeId: `tls-${transports.length}` }));
    transports.push(transport);
  };
  /** math.add over a new client (no retries, no circuit breaker: each refusal is seen once). */
  const add = (options: NatsClientOptions) => {
    const client = natsClient({ circuit: false, ...options });
    clients.push(client);
    return client.unary({ service: 'math', version: 1, method: 'add', input: { a: 2, b: 3 }, metadata: {}, idempotent: false, deadline: Date.now() + 3_000 });
  };

  beforeAll(async () => {
    [tlsOnly, mutual] = await Promise.all([
      startNatsServer({ tls: serverFiles }),
      startNatsServer({ tls: { ...serverFiles, caFile: fixture('tls-cert.pem') } }),
    ]);
    await serve({ servers: tlsOnly.url, tls: trusting });
    await serve({ servers: mutual.url, tls: certified });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(transports.map((t) => t.stop({ graceMs: 100 })));
    await Promise.all([tlsOnly?.stop(), mutual?.stop()]);
  });

  it('serves and calls with tls.ca, and the NATS server sees every connection encrypted', async () => {
    expect(await add({ servers: tlsOnly.url, tls: trusting })).toEqual({ sum: 5 });
    const { connections } = await tlsOnly.monitor<{ connections: Array<{ tls_version?: string }> }>('connz');
    expect(connections.length).toBeGreaterThanOrEqual(2);
    expect(connections.every((c) => typeof c.tls_version === 'string' && c.tls_version.length > 0)).toBe(true);
  });

  it('answers a plain-text NATS client nothing but the notice that TLS is required, then closes', async () => {
    const received = await plainConversation(tlsOnly.port);
    expect(received).toMatch(/^INFO .*"tls_required":true/);
    expect(received).not.toContain('PONG');
  });

  it('refuses a client or a server transport that does not trust the server certificate, saying to give tls.ca', async () => {
    const error = await failure(add({ servers: tlsOnly.url }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/certificate is not trusted.*natsClient\.tls\.ca/);
    const transport = natsTransport({ servers: tlsOnly.url, tls: { ca: pem('tls-other-cert.pem') } });
    await expect(transport.start(new Dispatcher({ services: [] }))).rejects.toThrow(/transports\.nats: cannot connect .*certificate is not trusted/);
  });

  it('passes client certificates through to a server that checks them', async () => {
    expect(await add({ servers: mutual.url, tls: certified })).toEqual({ sum: 5 });
  });

  it('is refused by a server that checks client certificates when it presents none, or one the server does not trust', async () => {
    for (const tls of [trusting, untrusted]) {
      // nats.js sees this refusal only as a connection that never answers: `timeout` bounds it.
      const error = await failure(add({ servers: mutual.url, tls, timeout: 1_000 }));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toContain(mutual.url);
    }
  });
});
