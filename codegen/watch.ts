/**
 * `gen --watch`. Each generation runs in a child process: ES modules cannot be unloaded, so a
 * fresh process is the only way to re-import an edited contract (and everything it imports)
 * without leaking memory or seeing stale imports. Changes are debounced; one run at a time.
 */
import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GenArgs } from './gen-command.js';

// From source the child runs cli.ts with this process's tsx flags; installed, it runs the compiled
// bin.js, which registers tsx itself.
const CLI = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './cli.ts' : './bin.js', import.meta.url));
const DEBOUNCE_MS = 150;

function runChild(args: string[]): Promise<number> {
  return new Promise((resolveRun) => {
    // execArgv carries tsx's loader, so the child understands TypeScript as this process does.
    const child = spawn(process.execPath, [...process.execArgv, CLI, 'gen', ...args], { stdio: 'inherit' });
    child.on('exit', (code) => resolveRun(code ?? 1));
  });
}

export function watchContracts(options: GenArgs, childArgs: string[]): Promise<number> {
  return new Promise((resolveWatch) => {
    let running = false;
    let again = false;
    let timer: NodeJS.Timeout | undefined;
    const regenerate = async (): Promise<void> => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      do {
        again = false;
        const code = await runChild(childArgs);
        process.stdout.write(code === 0 ? 'accord gen --watch: waiting for changes\n' : 'accord gen --watch: fix the contract; waiting for changes\n');
      } while (again);
      running = false;
    };
    const watcher = watch(options.contracts, (_event, file) => {
      if (file && !/\.m?[jt]s$/.test(file)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void regenerate(), DEBOUNCE_MS);
    });
    const stop = (): void => {
      watcher.close();
      clearTimeout(timer);
      resolveWatch(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void regenerate();
  });
}
