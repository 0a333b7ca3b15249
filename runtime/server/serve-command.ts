/**
 * `accord serve [config]`: loads the deploy-time config (default `accord.config.ts`), applies
 * environment overrides, starts the server, prints its URLs, and stops gracefully on SIGINT or
 * SIGTERM (drain in-flight calls, then close the pool). A second signal exits at once. SIGHUP
 * reloads the pool's handler modules.
 */
import { createServer, type AccordServer } from './create-server.js';
import { applyEnv, ConfigError } from './config.js';
import { banner } from './banner.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from './load-config.js';

const USAGE = `usage: accord serve [config-file]

Starts the services of a deploy-time config (default ${DEFAULT_CONFIG_FILE}).
Environment overrides: PORT, HOST, WS_PORT, ACCORD_TRANSPORTS, ACCORD_POOL_THREADS,
ACCORD_LOG_LEVEL, ACCORD_DEFAULT_TIMEOUT_MS, ACCORD_SHUTDOWN_GRACE_MS, ACCORD_MAX_HOPS.
`;

export interface ServeOptions {
  configFile?: string;
  env?: Record<string, string | undefined>;
  title?: string;
  out?: NodeJS.WritableStream;
}

/** Loads, starts and announces a server; the caller decides when to stop it. */
export async function serve(options: ServeOptions = {}): Promise<AccordServer> {
  const { config, file } = await loadConfig(options.configFile ?? DEFAULT_CONFIG_FILE);
  const server = await createServer(applyEnv(config, options.env ?? process.env), { source: file });
  await server.start();
  (options.out ?? process.stdout).write(banner(server, options.title));
  return server;
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

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const positional = args.filter((a) => !a.startsWith('-'));
  const unknown = args.filter((a) => a.startsWith('-'));
  if (positional.length > 1 || unknown.length > 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  let server: AccordServer;
  try {
    server = await serve({ configFile: positional[0] });
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
