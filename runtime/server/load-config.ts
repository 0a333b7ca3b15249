/**
 * Loads a deploy-time config file (`accord.config.ts`). TypeScript configs are imported through tsx,
 * which runs the `accord` command; relative paths inside the config are resolved against the
 * config file's folder.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, validateConfig, type AccordConfig } from './config.js';

export const DEFAULT_CONFIG_FILE = 'accord.config.ts';

export interface LoadedConfig {
  config: AccordConfig;
  /** Absolute path of the file it came from. */
  file: string;
}

/** Imports `file` (default `accord.config.ts` in the working directory) and checks its default export. */
export async function loadConfig(file: string = DEFAULT_CONFIG_FILE, cwd = process.cwd()): Promise<LoadedConfig> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new ConfigError(`config file ${path} not found`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`config file ${path} failed to load: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  const exported = mod.default ?? mod.config;
  if (exported === undefined) throw new ConfigError(`${path}: no default export; write \`export default defineConfig({ ... })\``);
  const config = validateConfig(exported, path);
  return { config: { ...config, root: config.root ? resolve(dirname(path), config.root) : dirname(path) }, file: path };
}
