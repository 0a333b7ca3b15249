/**
 * Starting one worker thread. From TypeScript sources (development, tests) the worker registers
 * tsx's ESM loader first, then imports worker.ts and the .ts handler modules; from compiled
 * JavaScript (production: `tsc` or esbuild output, `modules` pointing at .js files) it is a plain
 * `new Worker(worker.js)` and tsx is never loaded.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkerConfig } from './protocol.js';

const here = import.meta.url;
const fromSource = /\.[mc]?ts$/.test(new URL(here).pathname);
const entry = new URL(fromSource ? './worker.ts' : './worker.js', here);

/** CommonJS, run with `eval: true`: register tsx, then import the real entry. */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((error) => setImmediate(() => { throw error; }));
`;

let tsxApi: string | undefined;

/** The ESM build of `tsx/esm/api` (its CommonJS build cannot register from an eval'd worker). */
function tsxApiUrl(): string {
  if (!tsxApi) {
    try {
      const manifest = createRequire(here).resolve('tsx/package.json');
      const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: string | { default: string } }> }).exports;
      const target = exports['./esm/api'].import;
      tsxApi = pathToFileURL(join(dirname(manifest), typeof target === 'string' ? target : target.default)).href;
    } catch (error) {
      throw new Error('handler modules or the pool itself are TypeScript sources, which workers load with tsx; install tsx, or compile to JavaScript and point `modules` at the .js files', { cause: error });
    }
  }
  return tsxApi;
}

export function needsTypeScript(modules: string[]): boolean {
  return fromSource || modules.some((m) => /\.[mc]?tsx?$/.test(m.split('?')[0]));
}

export function spawnWorker(config: WorkerConfig, resourceLimits: ResourceLimits | undefined): Worker {
  const options = { resourceLimits, stderr: false, stdout: false };
  if (needsTypeScript(config.modules)) {
    return new Worker(BOOTSTRAP, { ...options, eval: true, workerData: { tsx: tsxApiUrl(), entry: entry.href, config } });
  }
  return new Worker(entry, { ...options, workerData: { config } });
}
