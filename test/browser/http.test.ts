/**
 * The HTTP client in a real browser (Debian's chromium through playwright-core): the fixture page's
 * code is bundled with esbuild for the browser (so any Node import in the client would fail the
 * build), served from the live server's origin, and calls a method, reads streams, sees a typed
 * error and cancels a call. Then /docs must render the API reference from local files only.
 */
import { readFileSync } from 'node:fs';
import { bundleForBrowser } from '../support/browser-bundle.js';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp, type Harness } from '../http/harness.js';

let h: Harness;
let browser: Browser;
let html: string;

beforeAll(async () => {
  const bundle = await bundleForBrowser('test/browser/fixture/page.ts', { format: 'iife' });
  const code = bundle.text.replace(/<\/script/gi, '<\\/script');
  html = readFileSync('test/browser/fixture/index.html', 'utf8').replace('/*BUNDLE*/', () => code);
  h = await startHttp({ openapiFile: 'generated/openapi.json' });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

describe('the HTTP client in a browser', () => {
  it.each(['json', 'msgpack'] as const)('calls, streams, typed errors and cancellation over %s', async (codec) => {
    const page = await browser.newPage();
    const finishedBefore = h.probe.watchFinished;
    const abortedBefore = h.probe.slowAborted.length;
    try {
      await page.route(`${h.url}/fixture.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
      await page.goto(`${h.url}/fixture.html`);
      const result = await page.evaluate((c) => (globalThis as any).runAccord(c), codec);
      expect(result).toEqual({
        sum: { sum: 5 },
        ticks: [0, 1, 2],
        early: 1,
        error: { code: 'DIVISION_BY_ZERO', dividend: 4, isAccordError: true },
        cancelled: 'CANCELLED',
      });
      // The early `break` and the abort reached the server: generators and handlers were stopped.
      await expect.poll(() => h.probe.watchFinished - finishedBefore, { timeout: 3_000 }).toBe(2);
      await expect.poll(() => h.probe.slowAborted.length - abortedBefore, { timeout: 3_000 }).toBe(1);
    } finally {
      await page.close();
    }
  }, 30_000);

  it('/docs renders the API reference from /openapi.json, with no outside requests', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(h.url) && !request.url().startsWith('data:')) outside.push(request.url());
    });
    try {
      await page.goto(`${h.url}/docs`);
      await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
      await page.waitForSelector('.opblock-tag', { timeout: 15_000 });
      const title = await page.textContent('.swagger-ui .info .title');
      expect(title).toBeTruthy();
      const tags = await page.$$eval('.opblock-tag', (nodes) => nodes.map((n) => n.textContent ?? ''));
      expect(tags.join(' ')).toMatch(/math/);
      const paths = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((n) => n.textContent ?? ''));
      expect(paths.join(' ')).toContain('/rpc/math/add');
      expect(outside).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);
});
