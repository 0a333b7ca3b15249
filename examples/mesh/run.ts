/**
 * The three-node mesh example in one command: starts `edge`, `math` and `users` (each its own
 * `accord serve` process, configs in this folder), then calls every service through edge's HTTP
 * port and through a meshClient that joins the mesh itself, and receives a ticker event emitted
 * on edge. Ctrl-C stops the nodes gracefully.
 *
 *   npx tsx --conditions=accord-source examples/mesh/run.ts               # fixed ports 3000, 7400-7402
 *   npx tsx --conditions=accord-source examples/mesh/run.ts --self-test   # free ports; exits 0 or 1
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { meshClient } from 'accord-rpc/mesh';
import { parseUrlsLine } from 'accord-rpc/server';
import { createClients } from '../../generated/index.js';
import { EXAMPLE_MESH_KEY } from './demo-credentials.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const selfTest = process.argv.includes('--self-test');
const log = (line: string) => process.stdout.write(`${line}\n`);
const nodes: ChildProcess[] = [];

/** Starts one node with `accord serve` and resolves with its URLs once it is up. */
function serveNode(name: string, env: Record<string, string>): Promise<Record<string, string>> {
  const child = spawn(process.execPath, ['--conditions=accord-source', '--import', 'tsx', 'codegen/cli.ts', 'serve', `examples/mesh/${name}.config.ts`], {
    cwd: root,
    env: { ...process.env, ...(selfTest ? { ACCORD_LOG_LEVEL: 'warn' } : {}), ...env },
    // The self-test keeps the nodes' logs, and shows them only if a node fails to start.
    stdio: ['ignore', 'pipe', selfTest ? 'pipe' : 'inherit'],
  });
  nodes.push(child);
  let out = '';
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const urls = parseUrlsLine(out);
      if (urls) resolve(urls);
    });
    child.on('exit', (code) => reject(new Error(`node ${name} exited (${code}) before it was up:\n${out}`)));
  });
}

/** SIGTERM to every node (graceful: goaway, calls in flight finish), then wait for them to exit. */
async function stopNodes(): Promise<void> {
  await Promise.all(nodes.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(child.pid!, 'SIGTERM');
  })));
}

const address = (url: string) => url.replace(/^mesh:\/\//, '');

async function main(): Promise<void> {
  // Self-test: free ports everywhere; the others learn edge's from its URL line.
  const edge = await serveNode('edge', selfTest ? { PORT: '0', ACCORD_MESH_PORT: '0' } : {});
  const seeds: Record<string, string> = selfTest ? { ACCORD_MESH_SEEDS: address(edge.mesh!), ACCORD_MESH_PORT: '0', ACCORD_METRICS_PORT: '0' } : {};
  await Promise.all([serveNode('math', seeds), serveNode('users', seeds)]);
  log(`nodes up: edge (pid ${nodes[0]!.pid}), math (pid ${nodes[1]!.pid}), users (pid ${nodes[2]!.pid})`);
  log(`edge: ${edge.http} (HTTP), ${edge.mesh} (mesh)`);

  // 1. Through edge's HTTP port: edge routes the call over the mesh to the node serving it.
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${edge.http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const sum = await post('/rpc/math/add', { a: 2, b: 3 });
  log(`POST ${edge.http}/rpc/math/add → ${sum.status} ${JSON.stringify(sum.body)}   (served by node math)`);
  const refused = await post('/rpc/users/create', { givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.com' });
  log(`POST /rpc/users/create without a token → ${refused.status} ${refused.body.code}   (checked on node users)`);

  // 2. A meshClient: joins the mesh through edge, learns the other nodes and calls them directly.
  const transport = meshClient({ key: process.env.ACCORD_MESH_KEY ?? EXAMPLE_MESH_KEY, seeds: [address(edge.mesh!)] });
  await transport.ready('users', 2);
  await transport.ready('math', 1);
  const api = createClients(transport, { metadata: { authorization: 'Bearer demo-admin', 'x-api-key': 'demo-api-key' } });
  const alerts: string[] = [];
  const off = api.ticker.on('alert', (alert) => alerts.push(`${alert.symbol} ${alert.direction} at ${alert.price}`));
  const fib = await api.math.fib({ n: 25 });
  log(`meshClient math.fib(25) = ${fib.value}   (a worker thread on node math)`);
  const user = await api.users.create({ givenName: 'Grace', familyName: 'Hopper', email: 'grace@example.com' });
  log(`meshClient users.create → ${user.id}   (node users)`);
  const stored = await api.files.upload({ name: 'hello.txt', content: new TextEncoder().encode('hello, mesh') });
  log(`meshClient files.upload → ${stored.size} bytes, sha256 ${stored.sha256.slice(0, 12)}…   (node users)`);
  const ticks: number[] = [];
  for await (const tick of api.ticker.watch({ symbol: 'ACME', count: 3, intervalMs: 10 })) ticks.push(tick.seq);
  log(`meshClient ticker.watch → ticks ${ticks.join(', ')}   (a stream from node edge)`);
  await api.ticker.publish({ symbol: 'ACME', price: 200, threshold: 150 });
  const until = Date.now() + 3_000;
  while (alerts.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  log(`meshClient got ticker event 'alert': ${alerts[0] ?? '(none)'}   (emitted on node edge)`);
  log(`mesh as meshClient sees it: ${JSON.stringify(transport.status().services)}`);
  off();

  const ok = sum.body.sum === 5 && refused.status === 401 && fib.value === 75025 && stored.size === 11 && ticks.length === 3 && alerts.length === 1;
  if (selfTest) {
    await transport.close();
    await stopNodes();
    log(`self-test ${ok ? 'passed' : 'FAILED'}`);
    process.exit(ok ? 0 : 1);
  }
  await transport.close();
  log(`\nTry: curl -s ${edge.http}/rpc/math/add -H 'content-type: application/json' -d '{"a":2,"b":3}'\nCtrl-C stops the three nodes.`);
  process.once('SIGINT', () => void stopNodes().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopNodes().then(() => process.exit(0)));
}

main().catch(async (error: unknown) => {
  process.stderr.write(`mesh example failed: ${(error as Error)?.stack ?? error}\n`);
  await stopNodes();
  process.exit(1);
});
