/**
 * Builds server transports from the config, by name. Each transport module is imported lazily
 * (`runtime/transports/<name>/index.ts`, exporting `<name>Transport(options)`), so a server that
 * runs HTTP only never loads ws, mesh or NATS code. WebSocket without its own port shares the HTTP
 * transport's `http.Server` (same port, path `/ws`).
 */
import { existsSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ServerTransport } from '../core/transport.js';
import { ConfigError, isTransportObject, type TransportsConfig } from './config.js';

/** The transports this build knows; a name outside this list is a config error. */
export const TRANSPORT_NAMES = ['http', 'ws', 'mesh', 'nats'] as const;

/** What `start()` of the HTTP transport exposes, so WS can attach to it. */
export type StartedTransport = ServerTransport & { readonly server?: HttpServer };

export interface PlannedTransport {
  name: string;
  /** Builds the transport; called in order, after the transports before it have started. */
  build(started: ReadonlyMap<string, StartedTransport>): Promise<StartedTransport>;
}

const transportsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'transports');

/** Validates the `transports` section and orders it: http first (WS may attach to it), then ws, then the rest. */
export function planTransports(config: TransportsConfig | undefined, root: string): PlannedTransport[] {
  const entries = Object.entries(config ?? { http: {} }).filter(([, value]) => value !== false && value !== undefined);
  if (entries.length === 0) throw new ConfigError(`'transports' enables no transport; enable one of ${TRANSPORT_NAMES.join(', ')}`);
  const rank = (name: string) => (name === 'http' ? 0 : name === 'ws' ? 1 : 2);
  entries.sort((a, b) => rank(a[0]) - rank(b[0]));
  const hasHttp = entries.some(([name]) => name === 'http');

  return entries.map(([name, value]): PlannedTransport => {
    if (isTransportObject(value)) return { name, build: async () => value };
    if (!(TRANSPORT_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(`unknown transport '${name}' in 'transports'; known: ${TRANSPORT_NAMES.join(', ')} (or pass a ServerTransport object)`);
    }
    if (value !== true && (typeof value !== 'object' || value === null)) {
      throw new ConfigError(`transports.${name} must be an options object, true, false or a ServerTransport`);
    }
    const options: Record<string, unknown> = value === true ? {} : { ...value };
    for (const file of ['openapiFile', 'asyncapiFile'] as const) {
      if (typeof options[file] === 'string' && !isAbsolute(options[file])) options[file] = resolve(root, options[file]);
    }
    if (name === 'ws' && options.port === undefined && options.server === undefined && !hasHttp) {
      throw new ConfigError(`transports.ws needs a 'port', or an http transport whose port it can share`);
    }
    return {
      name,
      build: async (started) => {
        const factory = await loadFactory(name);
        if (name === 'ws' && options.port === undefined && options.server === undefined) {
          const http = started.get('http');
          if (!http?.server) throw new ConfigError(`transports.ws shares the HTTP port, but the http transport exposes no 'server' after start()`);
          return factory({ path: '/ws', ...options, server: http.server });
        }
        return factory(options);
      },
    };
  });
}

type Factory = (options: Record<string, unknown>) => StartedTransport;

async function loadFactory(name: string): Promise<Factory> {
  const file = ['index.ts', 'index.js'].map((f) => join(transportsDir, name, f)).find((f) => existsSync(f));
  if (!file) throw new ConfigError(`transport '${name}' is not available in this build (no runtime/transports/${name}/index.ts)`);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const factory = mod[`${name}Transport`];
  if (typeof factory !== 'function') throw new ConfigError(`runtime/transports/${name}/index.ts exports no ${name}Transport() function`);
  return factory as Factory;
}
