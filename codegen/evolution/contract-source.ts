/**
 * One side of `accord diff`: a manifest.json file, a directory of contract modules, or a git ref
 * (the contracts folder as it was at that commit), always turned into a manifest, the form the
 * comparison reads.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { loadContracts } from '../load-contracts.js';
import { buildManifest, MANIFEST_VERSION, type Manifest } from '../manifest.js';
import { resolveCommit, snapshotFolder } from './git-snapshot.js';

export interface ContractSet {
  /** How reports name this side: `origin/main (3f2a1c9)`, `contracts/`, `old/manifest.json`. */
  label: string;
  manifest: Manifest;
}

/** An argument that names nothing readable, or a manifest that is not one; the message names it. */
export class ContractSourceError extends Error {
  override name = 'ContractSourceError';
}

export interface SourceOptions {
  /** The contracts folder, relative to `cwd`: what a git ref's snapshot and the default head read. */
  contracts: string;
  cwd: string;
}

/** `spec` undefined means the working tree's contracts folder. */
export async function loadContractSet(spec: string | undefined, options: SourceOptions): Promise<ContractSet> {
  if (spec === undefined) return fromDirectory(resolve(options.cwd, options.contracts), `${options.contracts}/ (working tree)`);
  const path = resolve(options.cwd, spec);
  if (existsSync(path) && statSync(path).isFile()) return { label: spec, manifest: readManifest(path, spec) };
  if (existsSync(path) && statSync(path).isDirectory()) return fromDirectory(path, `${spec.replace(/\/$/, '')}/`);
  const commit = await resolveCommit(spec, options.cwd);
  if (!commit) throw new ContractSourceError(`'${spec}' is not a manifest file, a contracts directory or a git ref (commit, branch, tag)`);
  const snapshot = await snapshotFolder(spec, commit, options.contracts, options.cwd);
  try {
    return await fromDirectory(snapshot.folder, `${spec} (${commit.slice(0, 7)})`, `${options.contracts}/ at ${spec}`);
  } finally {
    snapshot.remove();
  }
}

async function fromDirectory(dir: string, label: string, shownAs = relative(process.cwd(), dir) || '.'): Promise<ContractSet> {
  try {
    return { label, manifest: buildManifest((await loadContracts(dir)).map((s) => s.contract)) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ContractSourceError(`${shownAs}: ${message}`);
  }
}

/** Reads a manifest.json, refusing files that are not a manifest of this format with the field that is wrong. */
export function readManifest(path: string, shownAs: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ContractSourceError(`${shownAs}: not JSON (${(error as Error).message})`);
  }
  const fail = (why: string): never => {
    throw new ContractSourceError(`${shownAs}: ${why}`);
  };
  const manifest = data as Partial<Manifest> | null;
  if (!manifest || typeof manifest !== 'object' || !('manifestVersion' in manifest)) fail('not an Accord manifest (no manifestVersion)');
  if (manifest!.manifestVersion !== MANIFEST_VERSION) {
    fail(`manifestVersion ${String(manifest!.manifestVersion)}: accord diff reads version ${MANIFEST_VERSION}, which keeps the schemas; regenerate it with \`npm run gen\``);
  }
  const services = manifest!.services;
  if (!services || typeof services !== 'object') fail('services: missing');
  for (const [key, service] of Object.entries(services!)) {
    for (const field of ['methods', 'events', 'securitySchemes'] as const) {
      if (!service?.[field] || typeof service[field] !== 'object') fail(`services.${key}.${field}: missing`);
    }
    for (const [name, method] of Object.entries(service.methods)) {
      for (const field of ['kind', 'input', 'output', 'errors'] as const) {
        if (method?.[field] === undefined) fail(`services.${key}.methods.${name}.${field}: missing`);
      }
    }
    for (const [name, event] of Object.entries(service.events)) {
      if (!event?.data) fail(`services.${key}.events.${name}.data: missing`);
    }
  }
  return manifest as Manifest;
}
