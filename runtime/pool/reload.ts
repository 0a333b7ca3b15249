/**
 * Hot reload helpers. Workers reload by being replaced (a new worker has a fresh module cache).
 * The main thread cannot drop modules from its ESM cache, so inline handlers are re-imported under a
 * cache-busting query (`math.ts?reload=3`): the handler module itself is evaluated again; modules it
 * imports are not (their URLs are unchanged). Each reload keeps the old module instance in memory:
 * fine for development, which is what reloading inline handlers is for.
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { boundServicesOf, type BoundService } from '../core/service-binding.js';

export function moduleUrl(module: string): string {
  return module.startsWith('file:') ? module : pathToFileURL(module).href;
}

/** Imports the modules again (fresh evaluation of each module file) and returns the services they export. */
export async function importFresh(modules: string[], generation: number): Promise<BoundService[]> {
  const found: BoundService[] = [];
  for (const module of modules) {
    const url = new URL(moduleUrl(module));
    url.searchParams.set('reload', String(generation));
    found.push(...boundServicesOf((await import(url.href)) as Record<string, unknown>));
  }
  return found;
}

const SOURCE = /\.(?:[mc]?[jt]sx?|json)$/;

/**
 * Calls `onChange` (debounced) when a source file in the folders of `modules` (and `extra` paths)
 * changes. Folders, not files: editors often save by replacing the file, which ends a file watch.
 */
export function watchSources(modules: string[], extra: string[], debounceMs: number, onChange: () => void): () => void {
  const folders = new Set([...modules.map((m) => dirname(fileURLToPath(moduleUrl(m)))), ...extra]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchers: FSWatcher[] = [];
  for (const folder of folders) {
    const watcher = watch(folder, { persistent: false }, (_event, filename) => {
      if (filename && !SOURCE.test(String(filename))) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        onChange();
      }, debounceMs);
    });
    watcher.on('error', () => undefined);
    watchers.push(watcher);
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
