/**
 * MessagePack is loaded only when a page chooses it, in a real browser (headless Chromium) against
 * a real server: a JSON-only page refuses MessagePack with a message naming `accord-rpc/msgpack`
 * (and a binary frame is a PROTOCOL_ERROR), while a page importing it speaks MessagePack over
 * HTTP and in binary WebSocket frames.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from 'accord-rpc/testing';
import { mathService } from '../../examples/handlers/math.js';
import { createTickerService } from '../../examples/handlers/ticker.js';
import { bundleForBrowser } from '../support/browser-bundle.js';
import { launchChromium } from '../support/chromium.js';

const PAGES = ['json-only-page', 'msgpack-page'] as const;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  const bundles = new Map<string, string>();
  for (const page of PAGES) bundles.set(page, (await bundleForBrowser(`test/frontend/fixtures/browser/${page}.ts`)).text);
  const configure = (app: FastifyInstance) => {
    app.get('/page/:name', (req, reply) => {
      const js = bundles.get((req.params as { name: string }).name);
      if (!js) return reply.code(404).send();
      return reply.type('text/html').send(`<!doctype html><title>page</title><script type="module">${js.replace(/<\/script/gi, '<\\/script')}</script>`);
    });
  };
  server = await startTestServer({ services: [mathService, createTickerService()], transports: { http: { configure }, ws: {} } });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function runPage(name: (typeof PAGES)[number]): Promise<Record<string, unknown>> {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.urls.http}/page/${name}`);
    await page.waitForFunction(() => typeof (globalThis as { runPage?: unknown }).runPage === 'function', undefined, { timeout: 10_000 });
    return await page.evaluate(() => (globalThis as unknown as { runPage: () => Promise<Record<string, unknown>> }).runPage());
  } finally {
    await page.close();
  }
}

describe('choosing MessagePack in a browser', () => {
  it('a page that never imports accord-rpc/msgpack refuses it by name and reads no binary frame, and JSON works', async () => {
    const result = await runPage('json-only-page');
    expect(result).toMatchObject({ httpSum: 3, wsSum: 7 });
    expect(result.httpMsgpack).toMatch(/^INVALID_ARGUMENT: .*import 'accord-rpc\/msgpack'/);
    expect(result.wsMsgpack).toMatch(/^INVALID_ARGUMENT: .*import 'accord-rpc\/msgpack'/);
    expect(result.binaryFrame).toMatch(/^PROTOCOL_ERROR: .*import 'accord-rpc\/msgpack'/);
  }, 30_000);

  it('a page that imports it calls and streams in MessagePack over HTTP and in binary WebSocket frames', async () => {
    const result = await runPage('msgpack-page');
    expect(result).toMatchObject({ httpSum: 3, httpTicks: [1, 2, 3], wsSum: 7, wsTicks: [1, 2, 3] });
    expect(result.requestTypes).toEqual(['application/msgpack']);
    expect(result.responseTypes).toEqual(['application/msgpack', 'application/vnd.accord.msgpack-stream']);
    // Every frame both ways was binary, from the hello and the welcome on.
    expect(result.binarySent).toBeGreaterThanOrEqual(3);
    expect(result.binaryReceived).toBeGreaterThanOrEqual(3);
    expect(result.textReceived).toBe(0);
  }, 30_000);
});
