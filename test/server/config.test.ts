import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { applyEnv, ConfigError, createServer, defineConfig, loadConfig, validateConfig } from 'accord-rpc/server';
import { mathService } from '../../examples/handlers/math.js';
import { math } from '../../contracts/math.js';
import { bindService } from 'accord-rpc/core';

const fixtures = join(import.meta.dirname, 'fixtures');
const base = defineConfig({ services: [mathService], transports: { http: { port: 3000 }, ws: {} }, logLevel: 'silent' });

describe('applyEnv', () => {
  it('overrides ports, host, pool size, log level and timeouts without touching the input', () => {
    const out = applyEnv(base, {
      PORT: '8080', HOST: '0.0.0.0', ACCORD_POOL_THREADS: '3', ACCORD_LOG_LEVEL: 'debug',
      ACCORD_DEFAULT_TIMEOUT_MS: '5000', ACCORD_SHUTDOWN_GRACE_MS: '100', ACCORD_MAX_HOPS: '4',
    });
    expect(out.transports).toEqual({ http: { port: 8080, host: '0.0.0.0' }, ws: {} });
    expect(out).toMatchObject({ pool: { threads: 3 }, logLevel: 'debug', defaultTimeoutMs: 5000, shutdownGraceMs: 100, maxHops: 4 });
    expect(base.transports).toEqual({ http: { port: 3000 }, ws: {} });
  });

  it('WS_PORT moves WebSocket to its own port; ACCORD_POOL_THREADS=0 turns the pool off', () => {
    const out = applyEnv(base, { WS_PORT: '9000', HOST: '0.0.0.0', ACCORD_POOL_THREADS: '0' });
    expect(out.transports!.ws).toEqual({ port: 9000, host: '0.0.0.0' });
    expect(out.pool).toBe(false);
  });

  it('ACCORD_TRANSPORTS picks the transports to run', () => {
    expect(Object.keys(applyEnv(base, { ACCORD_TRANSPORTS: 'http' }).transports!)).toEqual(['http']);
    expect(applyEnv(defineConfig({ services: [mathService] }), { ACCORD_TRANSPORTS: 'http,ws' }).transports).toEqual({ http: {}, ws: {} });
  });

  it('rejects malformed values, naming the variable', () => {
    expect(() => applyEnv(base, { PORT: 'eighty' })).toThrow(/PORT must be a non-negative integer, not 'eighty'/);
    expect(() => applyEnv(base, { ACCORD_LOG_LEVEL: 'loud' })).toThrow(/ACCORD_LOG_LEVEL/);
  });
});

describe('config errors', () => {
  it('names the field of a malformed config', () => {
    expect(() => validateConfig({ services: [] })).toThrow(/'services' must be a non-empty array/);
    expect(() => validateConfig({ services: [mathService], transport: {} }, 'my.config.ts')).toThrow(/my.config.ts: unknown field 'transport'/);
    expect(() => validateConfig({ services: [mathService], maxHops: -1 })).toThrow(/'maxHops'/);
    expect(() => validateConfig({ services: [mathService], defaultTimeoutMs: 0 })).toThrow(/'defaultTimeoutMs' must be a positive number/);
  });

  it('an unknown transport name', async () => {
    await expect(createServer({ ...base, transports: { http: {}, grpc: {} } })).rejects.toThrow(/unknown transport 'grpc' in 'transports'; known: http, ws, mesh, nats/);
  });

  it('a handler module that does not exist, naming the file', async () => {
    const error = await createServer({ services: ['./handlers/nope.ts'], root: fixtures, logLevel: 'silent' }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(join(fixtures, 'handlers/nope.ts'));
    expect(error.message).toMatch(/not found/);
  });

  it('a handler module that exports no service, naming the file and its exports', async () => {
    const error = await createServer({ services: ['./no-service.ts'], root: fixtures, logLevel: 'silent' }).catch((e) => e);
    expect(error.message).toContain(join(fixtures, 'no-service.ts'));
    expect(error.message).toMatch(/exports no service.*notAService/);
  });

  it('the same service twice', async () => {
    const another = bindService(math, { ...mathService.handlers });
    await expect(createServer({ services: ['../../examples/handlers/math.ts', another], root: import.meta.dirname, logLevel: 'silent', pool: false }))
      .rejects.toThrow(/math.v1 is served twice/);
  });

  it('ws with neither a port nor an http transport to share', async () => {
    await expect(createServer({ ...base, transports: { ws: {} } })).rejects.toThrow(/transports.ws needs a 'port'/);
  });
});

describe('loadConfig', () => {
  it('imports a TypeScript config and resolves paths against its folder', async () => {
    const { config, file } = await loadConfig(join(fixtures, 'math-only.config.ts'));
    expect(file).toBe(join(fixtures, 'math-only.config.ts'));
    expect(config.root).toBe(fixtures);
    const server = await createServer(applyEnv(config, { PORT: '0' }), { source: file });
    expect(server.dispatcher.services.map((s) => s.name)).toEqual(['math']);
  });

  it('names a missing config file', async () => {
    await expect(loadConfig('nowhere/accord.config.ts')).rejects.toThrow(/config file .*nowhere\/accord.config.ts not found/);
  });
});
