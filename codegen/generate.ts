/**
 * Everything gen writes, as a map from path (relative to the output directory, `/`-separated) to
 * file content. Pure: the same services give the same bytes; writing is output-tree.ts's job.
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ServiceContract } from '../runtime/contract/index.js';
import { emitClientFile } from './emit-client.js';
import { emitFingerprintsFile } from './emit-fingerprints.js';
import { emitIndexFile } from './emit-index.js';
import { emitServerFile } from './emit-server.js';
import { emitServiceTypes } from './emit-types.js';
import { tsHeader } from './file-header.js';
import { buildJsonSchemaFiles } from './json-schema-files.js';
import type { LoadedService } from './load-contracts.js';
import { buildAsyncApi } from './asyncapi/document.js';
import { buildManifest } from './manifest.js';
import { buildOpenApi, type OpenApiOptions } from './openapi.js';
import { stringifyJson } from './canonical-json.js';
import { createPrinterProject } from './source-printer.js';
import { packageEntry } from './module-paths.js';

export interface GenerateOptions {
  /** Absolute output directory (generated files import contracts relative to it, the runtime by package name). */
  outDir: string;
  /** OpenAPI options (`servers`); the default document says a relative `/`. */
  openapi?: OpenApiOptions;
}

export function generate(services: LoadedService[], { outDir, openapi }: GenerateOptions): Map<string, string> {
  const out = new Map<string, string>();
  const project = createPrinterProject();
  const byName = new Map<string, LoadedService[]>();
  for (const s of services) byName.set(s.contract.name, [...(byName.get(s.contract.name) ?? []), s]);

  const runtimeClient = packageEntry('client');
  const indexFiles = new Map<string, { client: string; types: string; typeNames: string[] }>();
  for (const [name, versions] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const contracts = versions.map((v) => v.contract);
    const source = [...new Set(versions.map((v) => displayPath(v.file)))].join(', ');
    // Headers name the contract relative to the output's parent folder, not the working directory,
    // so `gen --check` gives the same answer wherever it is run from.
    const header = tsHeader([...new Set(versions.map((v) => projectPath(v.file, outDir)))].join(', '));
    const abs = (file: string): string => join(outDir, name, file);
    const where = (error: unknown): never => {
      throw new Error(`${source}: service '${name}': ${error instanceof Error ? error.message : String(error)}`);
    };

    let types;
    try {
      types = emitServiceTypes(contracts);
    } catch (error) {
      where(error);
    }
    out.set(`${name}/types.ts`, `${header}\n\n${types!.text}`);
    out.set(`${name}/server.ts`, `${header}\n${emitServerFile({ project, path: abs('server.ts'), versions, runtimeServer: packageEntry('server') })}`);
    out.set(`${name}/client.ts`, `${header}\n${emitClientFile({ project, path: abs('client.ts'), versions: contracts, runtimeClient })}`);
    indexFiles.set(name, { client: abs('client.ts'), types: abs('types.ts'), typeNames: types!.exportedNames });
  }

  const grouped = new Map([...byName].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, v]) => [name, v.map((s) => s.contract)] as const));
  out.set('index.ts', `${tsHeader('contracts/')}\n${emitIndexFile({ project, path: join(outDir, 'index.ts'), services: grouped, files: indexFiles, runtimeClient })}`);

  const contracts: ServiceContract[] = services.map((s) => s.contract);
  out.set('fingerprints.ts', `${tsHeader('contracts/')}\n${emitFingerprintsFile(contracts, runtimeClient)}`);
  out.set('openapi.json', stringifyJson(buildOpenApi(contracts, openapi)));
  out.set('asyncapi.json', stringifyJson(buildAsyncApi(contracts)));
  for (const [path, schema] of buildJsonSchemaFiles(contracts)) out.set(path, stringifyJson(schema));
  out.set('manifest.json', stringifyJson(buildManifest(contracts)));
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A contract's path as generated headers show it: relative to the folder that holds the output folder. */
function projectPath(file: string, outDir: string): string {
  return relative(dirname(resolve(outDir)), file).split(sep).join('/');
}

/** A path as messages show it: relative to the working directory, `/`-separated. */
export function displayPath(file: string): string {
  return relative(process.cwd(), file).split(sep).join('/');
}
