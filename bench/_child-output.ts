/** Runs a load generator in its own process (so it never steals the server's event loop; `accord-rpc` resolves to its sources) and returns its stdout. */
import { spawn } from 'node:child_process';

export function childOutput(args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=accord-source', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} exited ${code}: ${err}`))));
  });
}
