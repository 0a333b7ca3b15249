/**
 * The browser page of test/browser/ws.test.ts, bundled with esbuild: the generated clients over
 * wsClient with the browser's own WebSocket. Imports the browser entry (client.ts), never `ws`.
 */
import { createClients } from '../../../generated/index.js';
import { wsClient } from 'accord-rpc/ws/client';
import 'accord-rpc/msgpack';

interface PageResult {
  ok: boolean;
  sum?: number;
  ticks?: number[];
  alert?: unknown;
  typedError?: string;
  error?: string;
}

async function run(): Promise<PageResult> {
  const codec = new URLSearchParams(location.search).get('codec') === 'msgpack' ? 'msgpack' : 'json';
  const symbol = codec === 'json' ? 'JSN' : 'MSG'; // each run its own symbol: the ticker remembers prices
  const transport = wsClient({ url: `ws://${location.host}/ws`, codec });
  const api = createClients(transport);

  const { sum } = await api.math.add({ a: 20, b: 22 });

  const ticks: number[] = [];
  for await (const tick of api.ticker.watch({ symbol, count: 3, intervalMs: 0 })) ticks.push(tick.seq);

  const alert = new Promise((resolve) => api.ticker.on('alert', resolve));
  await transport.ready();
  await api.ticker.publish({ symbol, price: 200, threshold: 150 });

  let typedError = '';
  try {
    await api.math.divide({ a: 1, b: 0 });
  } catch (error) {
    if (api.math.isError(error, 'DIVISION_BY_ZERO')) typedError = `${error.code}:${error.data.dividend}`;
  }
  const result = { ok: true, sum, ticks, alert: await alert, typedError };
  await transport.close();
  return result;
}

const target = globalThis as unknown as { __result?: PageResult };
run().then(
  (result) => { target.__result = result; },
  (error: unknown) => { target.__result = { ok: false, error: String((error as Error)?.stack ?? error) }; },
);
