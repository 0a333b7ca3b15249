/**
 * `npm run demo`: serves the four example services from accord.config.ts (HTTP on PORT, default
 * 3000; WebSocket on the same port under /ws; the worker pool for the CPU-bound and file methods),
 * prints the URLs and a few things to try, and runs until Ctrl-C. Logs are pretty in a terminal and
 * pino's JSON lines otherwise; Prometheus metrics are at /metrics.
 *
 *   npm run demo -- --self-test   starts on a free port (unless PORT is set), runs
 *                                 examples/client.ts against it, stops, and exits 0 or 1.
 */
import { fileURLToPath } from 'node:url';
import { serve, stopOnSignals } from 'accord-rpc/server';
import { runExampleClient } from './client.js';

const configFile = fileURLToPath(new URL('../accord.config.ts', import.meta.url));
const selfTest = process.argv.includes('--self-test');
const env = selfTest && !process.env.PORT ? { ...process.env, PORT: '0', ACCORD_LOG_LEVEL: process.env.ACCORD_LOG_LEVEL ?? 'warn' } : process.env;

const server = await serve({ configFile, env, title: 'Accord demo' });
const http = server.urls.http!;

if (selfTest) {
  let code = 1;
  try {
    const result = await runExampleClient(http);
    code = result.missing.length === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`self-test failed: ${(error as Error)?.stack ?? error}\n`);
  }
  await server.stop();
  process.stdout.write(`self-test ${code === 0 ? 'passed' : 'FAILED'}\n`);
  process.exit(code);
}

process.stdout.write(`
Try it:
  curl -s ${http}/rpc/math/add -H 'content-type: application/json' -d '{"a":2,"b":3}'
  curl -s '${http}/math/divide?a=1&b=0'
  curl -s ${http}/v2/users -H 'authorization: Bearer demo-admin' -H 'content-type: application/json' \\
       -d '{"givenName":"Ada","familyName":"Lovelace","email":"ada@example.com"}'
  curl -sN ${http}/rpc/ticker/watch -H 'content-type: application/json' -d '{"symbol":"ACME","count":5}'
  curl -sN ${http}/events/ticker/alert        # events as Server-Sent Events (publish a price to see one)
  curl -s ${http}/metrics | grep rpc_server_calls_total
  npx tsx examples/client.ts ${http}      # calls every method through the generated clients

Demo credentials (demo only): bearer demo-admin (scope users:write), bearer demo-reader, x-api-key demo-api-key.
API reference: ${http}/docs    Stop: Ctrl-C
`);

process.exit(await stopOnSignals(server));
