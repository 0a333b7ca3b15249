/**
 * Imports every contract module in the contracts folder (TypeScript or JavaScript) and collects its
 * services, remembering which module and export each came from (server.ts imports the contract
 * from there). TypeScript loads through tsx: the `accord` command registers it (bin.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { collectServices, isServiceContract, type ServiceContract } from '../runtime/contract/index.js';

export interface LoadedService {
  contract: ServiceContract;
  /** Absolute path of the contract module. */
  file: string;
  /** The export that holds the contract (`usersV2`). */
  exportName: string;
}

/** A contract module failed to load or holds an invalid contract; the message names the file. */
export class ContractLoadError extends Error {
  override name = 'ContractLoadError';
}

const CONTRACT_MODULE = /\.m?[jt]s$/;
/** Declarations and tests that live beside contracts. */
const NOT_A_CONTRACT = /\.d\.m?ts$|\.(test|spec)\.m?[jt]s$/;
const stem = (file: string): string => file.replace(CONTRACT_MODULE, '');

/** The contract modules of `dir`, sorted: .ts, .mts, .js and .mjs files. */
export function contractFiles(dir: string): string[] {
  const abs = resolve(dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    throw new ContractLoadError(`${dir}: no such contracts directory`);
  }
  const modules = entries.filter((f) => CONTRACT_MODULE.test(f) && !NOT_A_CONTRACT.test(f) && statSync(join(abs, f)).isFile());
  // `math.js` beside `math.ts` is its compiled output: loading both would define each service twice.
  const sources = new Set(modules.filter((f) => /\.m?ts$/.test(f)).map(stem));
  return modules
    .filter((f) => /\.m?ts$/.test(f) || !sources.has(stem(f)))
    .sort()
    .map((f) => join(abs, f));
}

export async function loadContracts(dir: string): Promise<LoadedService[]> {
  const files = contractFiles(dir);
  const modules: Array<{ file: string; mod: Record<string, unknown> }> = [];
  for (const file of files) {
    try {
      modules.push({ file, mod: (await import(pathToFileURL(file).href)) as Record<string, unknown> });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // ContractError messages already start with the file; others (syntax, missing import) get it here.
      const named = message.includes(relative(process.cwd(), file)) ? message : `${relative(process.cwd(), file)}: ${message}`;
      throw new ContractLoadError(named);
    }
  }
  let services: ServiceContract[];
  try {
    services = collectServices(modules.map((m) => m.mod));
  } catch (error) {
    throw new ContractLoadError(error instanceof Error ? error.message : String(error));
  }
  return services.map((contract) => {
    for (const { file, mod } of modules) {
      for (const exportName of Object.keys(mod).sort()) {
        if (isServiceContract(mod[exportName]) && mod[exportName] === contract) return { contract, file, exportName };
      }
    }
    throw new ContractLoadError(`${contract.definedIn}: service '${contract.name}' v${contract.version} is not exported by name`);
  });
}
