/**
 * The WebSocket client in a real browser (headless Chromium): a page bundled with esbuild calls a
 * method, reads a stream and receives an event through the generated clients over wsClient. Also
 * checks that the bundle holds neither the `ws` package nor any Node builtin.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from '../support/browser-bundle.js';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mathService } from '../../examples/handlers/math.js';
import { createTickerService } from '../../examples/handlers/ticker.js';
import { Dispatcher } from 'accord-rpc/core';
import { wsTransport, type WsServerTransport } from 'accord-rpc/ws';

const entry = fileURLToPath(new URL('./ws-fixture/page.ts', import.meta.url));

describe('ws client in a browser', () => {
  let http: Server;
  let transport: WsServerTransport;
  let browser: Browser;
  let bundle: string;
  let inputs: string[];
  let origin: string;

  beforeAll(async () => {
    ({ text: bundle, inputs } = await bundleForBrowser(entry));

    http = createServer((req, res) => {
      if (req.url?.startsWith('/page.js')) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>accord ws</title><script type="module" src="/page.js"></script>');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    transport = wsTransport({ server: http, path: '/ws' });
    await transport.start(new Dispatcher({ services: [mathService, createTickerService()] }));

    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await transport?.stop({ graceMs: 50 });
    http?.closeAllConnections();
    await new Promise((r) => http?.close(r));
  });

  it('the bundle contains neither `ws` nor Node builtins', () => {
    expect(inputs.filter((path) => path.includes('node_modules/ws/'))).toEqual([]);
    expect(bundle).not.toMatch(/from\s*["']node:|require\(["'](node:)?(net|http|crypto|stream|events)["']\)/);
  });

  for (const codec of ['json', 'msgpack']) {
    it(`calls a method, reads a stream and receives an event (${codec})`, async () => {
      const page = await browser.newPage();
      try {
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(`${origin}/?codec=${codec}`);
        await page.waitForFunction(() => (globalThis as { __result?: unknown }).__result !== undefined, undefined, { timeout: 15_000 });
        const result = await page.evaluate(() => (globalThis as { __result?: unknown }).__result);
        expect(errors).toEqual([]);
        expect(result).toMatchObject({
          ok: true,
          sum: 42,
          ticks: [1, 2, 3],
          alert: { symbol: codec === 'json' ? 'JSN' : 'MSG', price: 200, threshold: 150, direction: 'up' },
          typedError: 'DIVISION_BY_ZERO:1',
        });
      } finally {
        await page.close();
      }
    });
  }
});
