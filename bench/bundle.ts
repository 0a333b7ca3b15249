/**
 * `npm run bench -- bundle`: what Accord adds to a frontend's bundle. Each page calls `math.add`
 * once; each is bundled the way a frontend builds (esbuild, minified, for browsers) and gzipped at
 * level 9. The baseline is the same call as a plain `fetch` with the same JSON, bundled in the
 * same run. Ends with `RATIO bundle <fetch-only gzipped / Accord HTTP gzipped>`.
 */
import { gzipSync } from 'node:zlib';
import { buildFrontend } from '../examples/frontend/build.js';
import { bundleForBrowser } from '../test/support/browser-bundle.js';

const PAGES = [
  ['fetch-only', 'plain fetch, same JSON (baseline)', undefined],
  ['http-json', 'Accord over HTTP, JSON', 5 * 1024],
  ['ws-json', 'Accord over WebSocket, JSON', 7 * 1024],
  ['http-msgpack', 'Accord over HTTP, MessagePack (accord-rpc/msgpack)', undefined],
  ['http-query', 'Accord over HTTP + accord-rpc/query + query-core', undefined],
] as const;

const sizes = new Map<string, number>();
const row = (label: string, minified: number, gzipped: number, budget?: number) =>
  console.log(`${label.padEnd(54)} ${String(minified).padStart(8)} ${String(gzipped).padStart(8)}${budget ? `   budget ${budget}: ${gzipped <= budget ? 'within' : `OVER by ${gzipped - budget}`}` : ''}`);

console.log('bundle: esbuild (bundle, minify, platform browser, es2022), gzip -9; bytes (KB = 1024)');
console.log(`${'page'.padEnd(54)} ${'minified'.padStart(8)} ${'gzipped'.padStart(8)}`);
for (const [page, label, budget] of PAGES) {
  const { text } = await bundleForBrowser(`test/frontend/fixtures/pages/${page}.ts`, { minify: true });
  const gzipped = gzipSync(text, { level: 9 }).length;
  sizes.set(page, gzipped);
  row(label, text.length, gzipped, budget);
}
const app = await buildFrontend();
row('examples/frontend (React 19, TanStack Query, the app)', app.js.length, gzipSync(app.js, { level: 9 }).length);
console.log(`RATIO bundle ${(sizes.get('fetch-only')! / sizes.get('http-json')!).toFixed(3)}`);
