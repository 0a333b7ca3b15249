/**
 * `accord serve [config] [--watch]`: loads the deploy-time config (default `accord.config.ts`, else
 * `.mts`, `.js`, `.mjs`), applies environment overrides, starts the server, prints its URLs, and
 * stops gracefully on SIGINT or SIGTERM (drain in-flight calls, then close the pool). A second
 * signal exits at once. SIGHUP reloads the pool's handler modules; `--watch` does it whenever a
 * file in the handler modules' folders changes (the pool's `watch` option: development).
 */
import { parseArgs } from 'node:util';
import { createServer, type AccordServer } from './create-server.js';
import { applyEnv, ConfigError, type AccordConfig } from './config.js';
import { banner } from './banner.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from './load-config.js';

const USAGE = `usage: accord serve [config-file] [--watch]

Starts the services of a deploy-time config (default ${DEFAULT_CONFIG_FILE}, else .mts, .js, .mjs).
  --watch   reload handlers when a file in their folders changes (they must run in the pool)
Environment overrides (docs/server.md):
  PORT, HOST, WS_PORT, ACCORD_TRANSPORTS (e.g. http,ws,nats,mesh), ACCORD_POOL_THREADS,
  ACCORD_LOG_LEVEL, ACCORD_LOG_FORMAT (json|pretty|auto), ACCORD_METRICS_PORT, ACCORD_METRICS=off,
  ACCORD_DEFAULT_TIMEOUT_MS, ACCORD_SHUTDOWN_GRACE_MS, ACCORD_DRAIN_DELAY_MS, ACCORD_MAX_HOPS,
  ACCORD_NODE_ID, ACCORD_CONTRACT_CHECK (strict|warn|off), ACCORD_NATS_URL (docs/nats.md),
  ACCORD_TASK_STORE (memory|nats),
  ACCORD_MESH_PORT, ACCORD_MESH_SEEDS, ACCORD_MESH_KEY (docs/mesh.md).
`;

export interface ServeOptions {
  configFile?: string;
  /** Reload handlers on file changes (sets the pool's `watch`). */
  watch?: boolean;
  env?: Record<string, string | undefined>;
  title?: string;
  out?: NodeJS.WritableStream;
}

/** Loads, starts and announces a server; the caller decides when to stop it. */
export async function serve(options: ServeOptions = {}): Promise<AccordServer> {
  const { config, file } = await loadConfig(options.configFile);
  const configured = applyEnv(config, options.env ?? process.env);
  const server = await createServer(options.watch ? watching(configured) : configured, { source: file });
  await server.start();
  (options.out ?? process.stdout).write(banner(server, options.title));
  if (options.watch && !server.health().pool) {
    process.stderr.write('accord serve --watch: no method runs in the pool, so nothing reloads; restart to load changes\n');
  }
  return server;
}

function watching(config: AccordConfig): AccordConfig {
  if (config.pool === false) throw new ConfigError("--watch reloads handlers through the worker pool, which this config turns off ('pool: false')");
  return { ...config, pool: { ...config.pool, watch: true } };
}

/** Resolves with the exit code once the server has stopped after SIGINT/SIGTERM. */
export function stopOnSignals(server: AccordServer): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`accord: ${signal} again, exiting without waiting\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`accord: ${signal}, draining in-flight calls...\n`);
      server.stop().then(
        () => finish(0),
        (error) => {
          process.stderr.write(`accord: stopped with errors: ${(error as Error)?.message ?? error}\n`);
          finish(1);
        },
      );
    };
    const onReload = () => {
      server.reload().catch((error) => process.stderr.write(`accord: reload failed: ${(error as Error)?.message ?? error}\n`));
    };
    const finish = (code: number) => {
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      process.off('SIGHUP', onReload);
      resolve(code);
    };
    process.on('SIGINT', onStop);
    process.on('SIGTERM', onStop);
    process.on('SIGHUP', onReload);
  });
}

/** The command line's options, or undefined when it is not a valid `accord serve` line. */
function parseServeArgs(args: string[]): { configFile?: string; watch: boolean; help: boolean } | undefined {
  try {
    const { values, positionals } = parseArgs({ args, options: { watch: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    if (positionals.length > 1) return undefined;
    return { configFile: positionals[0], watch: values.watch ?? false, help: values.help ?? false };
  } catch {
    return undefined; // an unknown option
  }
}

export async function run(args: string[]): Promise<number> {
  const options = parseServeArgs(args);
  if (!options || options.help) {
    (options ? process.stdout : process.stderr).write(USAGE);
    return options ? 0 : 2;
  }
  let server: AccordServer;
  try {
    server = await serve({ configFile: options.configFile, watch: options.watch });
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : (error as Error)?.stack ?? String(error);
    process.stderr.write(`accord serve: ${message}\n`);
    return 1;
  }
  const code = await stopOnSignals(server);
  // Everything is closed; if a stray handle still holds the loop, do not hang the shutdown.
  setTimeout(() => process.exit(code), 2_000).unref();
  process.exitCode = code;
  return code;
}
