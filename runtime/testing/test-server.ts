/**
 * startTestServer(): a real server on 127.0.0.1 with free ports (port 0), for tests that want the
 * real wire. Logs are silent and the pool is off (handlers run inline) unless `config` says
 * otherwise.
 *
 *   const server = await startTestServer({ services: ['./examples/handlers/math.ts'] });
 *   const math = new MathV1Client(httpClient({ url: server.urls.http }));
 *   ...
 *   await server.stop();
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dispatcher } from '../core/dispatcher.js';
import { isTransportObject, type AccordConfig, type ServiceEntry, type TransportsConfig } from '../server/config.js';
import { createServer, type AccordServer } from '../server/create-server.js';

export interface TestServerOptions {
  /** Handler module paths (relative to the working directory) or bound services; overrides `config.services`. */
  services?: ServiceEntry[];
  /** Anything else of a deploy config: auth hook, guards, timeouts, `pool: {}` to test with workers... */
  config?: Partial<AccordConfig>;
  /** Transport names or a transports config; ports are always forced to 0 on 127.0.0.1. Default: http, plus ws when built. */
  transports?: string[] | TransportsConfig;
}

export interface TestServer {
  /** Where each transport listens, by name (`http`, `ws`, ...). */
  urls: Record<string, string>;
  dispatcher: Dispatcher;
  server: AccordServer;
  /** Stops the server and frees its ports. */
  stop(): Promise<void>;
}

const wsBuilt = () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'transports', 'ws');
  return existsSync(join(dir, 'index.ts')) || existsSync(join(dir, 'index.js'));
};

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const services = options.services ?? options.config?.services;
  if (!services || services.length === 0) throw new Error('startTestServer: pass `services` (handler module paths or bound services)');
  const requested: TransportsConfig = Array.isArray(options.transports)
    ? Object.fromEntries(options.transports.map((name) => [name, {}]))
    : options.transports ?? options.config?.transports ?? (wsBuilt() ? { http: {}, ws: {} } : { http: {} });

  const transports: TransportsConfig = {};
  for (const [name, value] of Object.entries(requested)) {
    if (value === false || value === undefined || isTransportObject(value)) {
      transports[name] = value;
      continue;
    }
    const opts: Record<string, unknown> = value === true ? {} : { ...value };
    // WS shares the HTTP port unless it was given its own.
    if (name === 'ws' && opts.port === undefined && requested.http) transports[name] = opts;
    else transports[name] = { ...opts, host: '127.0.0.1', port: 0 };
  }

  const server = await createServer({
    logLevel: 'silent',
    pool: false,
    shutdownGraceMs: 1_000,
    ...options.config,
    services,
    transports,
  });
  await server.start();
  return {
    urls: server.urls,
    dispatcher: server.dispatcher,
    server,
    stop: () => server.stop(),
  };
}
