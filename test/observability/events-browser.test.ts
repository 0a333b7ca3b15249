/**
 * Events over HTTP in headless Chromium: the generated client's `on()` over httpClient, bundled for
 * the browser, receives the alerts a Node client's publish calls make the server emit.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClients } from '../../generated/index.js';
import { httpClient } from 'accord-rpc/http';
import { startTestServer, type TestServer } from 'accord-rpc/testing';
import { bundleForBrowser } from '../support/browser-bundle.js';
import { launchChromium } from '../support/chromium.js';

let server: TestServer;
let browser: Browser;
let html: string;

beforeAll(async () => {
  const bundle = await bundleForBrowser('test/observability/fixtures/events-page.ts', { format: 'iife' });
  html = `<!doctype html><html><head><meta charset="utf-8"><title>events</title></head><body><script>${bundle.text.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
  server = await startTestServer({ services: ['examples/handlers/ticker.ts'], transports: ['http'] });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it('a page’s generated client receives ticker alerts as Server-Sent Events over httpClient', async () => {
  const page = await browser.newPage();
  try {
    await page.route(`${server.urls.http}/events.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
    await page.goto(`${server.urls.http}/events.html`);
    await page.evaluate(() => (globalThis as unknown as { subscribeAlerts(): void }).subscribeAlerts());
    await expect.poll(() => server.dispatcher.events.listenerCount('ticker', 1, 'alert'), { timeout: 10_000 }).toBe(1);
    const node = createClients(httpClient({ url: server.urls.http! }));
    await node.ticker.publish({ symbol: 'WEB', price: 1, threshold: 5 });
    await node.ticker.publish({ symbol: 'WEB', price: 6 });
    await node.ticker.publish({ symbol: 'WEB', price: 4 });
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { alerts: unknown[] }).alerts), { timeout: 10_000 }).toEqual([
      { symbol: 'WEB', price: 6, threshold: 5, direction: 'up' },
      { symbol: 'WEB', price: 4, threshold: 5, direction: 'down' },
    ]);
  } finally {
    await page.close();
  }
}, 30_000);
