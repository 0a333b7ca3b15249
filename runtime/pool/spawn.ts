/**
 * Starting one worker thread. The entry is worker.ts when this file runs from TypeScript sources
 * (development, tests) and worker.js when it runs compiled (the installed package's dist/). The
 * worker registers tsx's ESM loader before its entry only when it has TypeScript to load: the entry
 * itself, or a `.ts` handler module (a user's `accord serve` of TypeScript handlers). Compiled entry
 * and `.js` handlers make a plain `new Worker(worker.js)`, and tsx is never loaded. Registering is
 * the worker's own job: Node does not pass module.register() loaders on to worker threads.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
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

/** The URL of `tsx/esm/api`, resolved from here (its ESM build: the CommonJS one cannot register from an eval'd worker). */
function tsxApiUrl(): string {
  try {
    return (tsxApi ??= import.meta.resolve('tsx/esm/api'));
  } catch (error) {
    throw new Error('handler modules or the pool itself are TypeScript sources, which workers load with tsx; install tsx, or compile to JavaScript and point `modules` at the .js files', { cause: error });
  }
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
