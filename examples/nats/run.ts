/**
 * The NATS example, end to end: a NATS server (yours, from NATS_URL, or a `nats-server` this script
 * starts on a free port), two `accord serve` processes of examples/nats/accord.config.ts sharing
 * it (node-1 and node-2), and the example client against them. Stops everything it started and
 * exits 0 when the client saw what it expected.
 *
 *   npx tsx --conditions=accord-source examples/nats/run.ts
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx --conditions=accord-source examples/nats/run.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseUrlsLine } from 'accord-rpc/server';
import { runNatsExample } from './client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const started: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** Spawns a process and resolves once `ready(output)` is true (or rejects when it exits first). */
function start(command: string, args: string[], env: Record<string, string>, ready: (output: string) => boolean, what: string): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 30 s:\n${output}`)), 30_000);
    const seen = (d: Buffer) => {
      output += d.toString();
      if (ready(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready:\n${output}`));
    });
  });
}

async function stopAll(): Promise<void> {
  // Accord servers drain on SIGTERM; nats-server goes last.
  for (const child of started.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

let code = 1;
try {
  let url = process.env.NATS_URL;
  if (!url) {
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    const nats = await start(process.env.NATS_SERVER_BIN ?? 'nats-server', ['-a', '127.0.0.1', '-p', String(port)], {}, (o) => o.includes('Server is ready'), 'nats-server');
    process.stdout.write(`started nats-server on ${url} (pid ${nats.pid})\n`);
  }
  for (const node of ['node-1', 'node-2']) {
    const server = await start(process.execPath, ['--conditions=accord-source', '--import', 'tsx', 'codegen/cli.ts', 'serve', 'examples/nats/accord.config.ts'],
      { ACCORD_NATS_URL: url, ACCORD_NODE_ID: node, ACCORD_LOG_LEVEL: 'warn', ACCORD_METRICS_PORT: '0' }, (o) => parseUrlsLine(o) !== undefined, `accord serve (${node})`);
    process.stdout.write(`started accord serve as ${node} (pid ${server.pid})\n`);
  }
  await runNatsExample(url);
  code = 0;
} catch (error) {
  process.stderr.write(`NATS example failed: ${(error as Error)?.stack ?? error}\n`);
} finally {
  await stopAll();
}
process.stdout.write(code === 0 ? 'NATS example passed\n' : 'NATS example FAILED\n');
process.exit(code);
