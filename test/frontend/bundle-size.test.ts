/**
 * What Accord adds to a frontend's bundle, measured as a frontend builds it: esbuild, minified,
 * for the browser, gzip -9 (KB = 1024 bytes). The budgets are the issue's; MessagePack (msgpackr)
 * is in a bundle only when the page imports `accord-rpc/msgpack`.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../support/browser-bundle.js';

const KB = 1024;

async function measure(page: string): Promise<{ gzipped: number; inputs: string[] }> {
  const bundle = await bundleForBrowser(`test/frontend/fixtures/pages/${page}.ts`, { minify: true });
  return { gzipped: gzipSync(bundle.text, { level: 9 }).length, inputs: bundle.inputs };
}

const msgpackIn = (inputs: string[]) => inputs.filter((input) => /node_modules\/msgpackr|msgpack-codec/.test(input));

describe('client bundle sizes (esbuild, minified, gzip -9)', () => {
  it('one generated client over the HTTP transport, JSON only, is at most 5 KB and holds no MessagePack', async () => {
    const { gzipped, inputs } = await measure('http-json');
    expect(msgpackIn(inputs)).toEqual([]);
    expect(gzipped, `${gzipped} bytes`).toBeLessThanOrEqual(5 * KB);
  }, 20_000);

  it('one generated client over the WebSocket transport, JSON only, is at most 7 KB and holds no MessagePack', async () => {
    const { gzipped, inputs } = await measure('ws-json');
    expect(msgpackIn(inputs)).toEqual([]);
    expect(gzipped, `${gzipped} bytes`).toBeLessThanOrEqual(7 * KB);
  }, 20_000);

  it('a page that imports accord-rpc/msgpack and passes its codec bundles msgpackr', async () => {
    const { inputs } = await measure('http-msgpack');
    expect(msgpackIn(inputs)).toEqual(expect.arrayContaining([expect.stringMatching(/node_modules\/msgpackr\//), 'runtime/core/msgpack-codec.ts']));
  }, 20_000);
});
