/**
 * Loads a deploy-time config file (`accord.config.ts`, or `.mts`, `.js`, `.mjs`). TypeScript
 * configs import through tsx, which the `accord` command registers for its whole process
 * (codegen/bin.ts); relative paths inside the config are resolved against the config file's folder.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, validateConfig, type AccordConfig } from './config.js';

export const DEFAULT_CONFIG_FILE = 'accord.config.ts';
/** Looked for in this order when no file is named. */
export const CONFIG_FILE_NAMES = [DEFAULT_CONFIG_FILE, 'accord.config.mts', 'accord.config.js', 'accord.config.mjs'] as const;

export interface LoadedConfig {
  config: AccordConfig;
  /** Absolute path of the file it came from. */
  file: string;
}

/** Imports `file` (default: the first of CONFIG_FILE_NAMES in `cwd`) and checks its default export. */
export async function loadConfig(file?: string, cwd = process.cwd()): Promise<LoadedConfig> {
  const path = resolve(cwd, file ?? CONFIG_FILE_NAMES.find((name) => existsSync(resolve(cwd, name))) ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) throw new ConfigError(`config file ${path} not found`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`config file ${path} failed to load: ${(error as Error)?.message ?? String(error)}${typeScriptHint(error)}`, { cause: error });
  }
  const exported = mod.default ?? mod.config;
  if (exported === undefined) throw new ConfigError(`${path}: no default export; write \`export default defineConfig({ ... })\``);
  const config = validateConfig(exported, path);
  return { config: { ...config, root: config.root ? resolve(dirname(path), config.root) : dirname(path) }, file: path };
}

/** Plain `node` cannot import TypeScript: say what can. */
function typeScriptHint(error: unknown): string {
  return (error as { code?: string })?.code === 'ERR_UNKNOWN_FILE_EXTENSION'
    ? ' (TypeScript loads under the `accord` command or tsx; from plain node, import a compiled .js config)'
    : '';
}
