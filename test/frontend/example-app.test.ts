/**
 * The frontend example (examples/frontend: React, TanStack Query, bundled with esbuild) built and
 * driven in headless Chromium against its real server: users over HTTP with typed validation and
 * auth errors, a new user showing up through invalidation, the ticker's stream and alert events
 * over WebSocket, and a slow call cancelled on the server when the user navigates away.
 */
import type { Browser, Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportOutcome } from '../../examples/frontend/handlers/reports.js';
import { buildFrontend } from '../../examples/frontend/build.js';
import { startFrontendServer, type FrontendServer } from '../../examples/frontend/server.js';
import { compile, compilerOptions, formatErrors } from '../codegen/compile.js';
import { launchChromium } from '../support/chromium.js';

let app: FrontendServer;
let browser: Browser;
const reports: ReportOutcome[] = [];

beforeAll(async () => {
  app = await startFrontendServer({ port: 0, logLevel: 'silent', onReport: (outcome) => reports.push(outcome) });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** What a page sent, from its first request on: HTTP paths and WebSocket paths. */
interface Traffic {
  requests: string[];
  sockets: string[];
}

/** A fresh page on `route`; page errors fail the test. */
async function open(route: string, run: (page: Page, traffic: Traffic) => Promise<void>): Promise<void> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const traffic: Traffic = { requests: [], sockets: [] };
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => traffic.requests.push(new URL(request.url()).pathname));
  page.on('websocket', (socket) => traffic.sockets.push(new URL(socket.url()).pathname));
  try {
    await page.goto(`${app.url}/${route}`);
    await run(page, traffic);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
}

async function fillUser(page: Page, user: { givenName: string; familyName: string; email: string }): Promise<void> {
  for (const [field, value] of Object.entries(user)) await page.fill(`#${field}`, value);
  await page.click('form[aria-label="new user"] button[type=submit]');
}

const rows = (page: Page) => page.locator('table[aria-label=users] tbody tr').allTextContents();

describe('the frontend example in a browser', () => {
  it('type-checks as a React program and bundles without MessagePack or zod', async () => {
    const errors = compile(['examples/frontend/app/main.tsx'], { ...compilerOptions(), jsx: ts.JsxEmit.ReactJSX });
    expect(formatErrors(errors)).toBe('');
    const { inputs } = await buildFrontend();
    expect(inputs.some((input) => input.includes('node_modules/react-dom/'))).toBe(true);
    expect(inputs.filter((input) => /node_modules\/(msgpackr|zod)\/|msgpack-codec/.test(input))).toEqual([]);
  }, 60_000);

  it('the user list renders from its query', async () => {
    await open('#/users', async (page) => {
      await page.waitForSelector('table[aria-label=users] tbody tr');
      expect(await rows(page)).toEqual(['Ada Lovelaceada@example.com', 'Alan Turingalan@example.com']);
    });
  }, 30_000);

  it("a create with an invalid email shows the server's validation issue under the email field", async () => {
    await open('#/users', async (page) => {
      await fillUser(page, { givenName: 'Bad', familyName: 'Input', email: 'not-an-email' });
      const issue = await page.waitForSelector('#email-error', { timeout: 10_000 });
      expect(await issue.textContent()).toMatch(/email/i);
      expect(await page.getAttribute('#email', 'aria-invalid')).toBe('true');
      expect(await page.$('#givenName-error')).toBeNull();
    });
  }, 30_000);

  it('signed out, a create shows the UNAUTHENTICATED error as a sign-in prompt', async () => {
    await open('#/users', async (page) => {
      await page.selectOption('select[name=identity]', 'Signed out');
      await fillUser(page, { givenName: 'No', familyName: 'Token', email: 'no.token@example.com' });
      await page.waitForSelector('#create-error', { timeout: 10_000 });
      expect(await page.textContent('#create-error')).toBe('Sign in to create users.');
    });
  }, 30_000);

  it('a valid create appears in the list through invalidation (the list is fetched again after it)', async () => {
    await open('#/users', async (page, traffic) => {
      await page.waitForSelector('table[aria-label=users] tbody tr');
      const before = traffic.requests.length;
      await fillUser(page, { givenName: 'Grace', familyName: 'Hopper', email: 'grace@example.com' });
      await page.waitForSelector('text=Grace Hopper', { timeout: 10_000 });
      expect(await rows(page)).toContain('Grace Hoppergrace@example.com');
      expect(traffic.requests.slice(before)).toEqual(['/rpc/users/v2/create', '/rpc/users/v2/list']);
    });
  }, 30_000);

  it('ticker items arrive from the server stream, and a published price comes back as an alert event, over WebSocket', async () => {
    await open('#/ticker', async (page, traffic) => {
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=tick-count]')?.textContent?.replace('tick ', '') ?? 0) >= 3, undefined, { timeout: 10_000 });
      await page.click('form[aria-label="publish a price"] button[type=submit]');
      await page.waitForSelector('ul[aria-label=alerts] li', { timeout: 10_000 });
      expect(await page.textContent('ul[aria-label=alerts] li')).toBe('ACME crossed 150 going up: 200');
      // One WebSocket carried the stream, the publish and the event; nothing about the ticker went over HTTP.
      expect(traffic.sockets).toEqual(['/ws']);
      expect(traffic.requests.filter((path) => path.includes('ticker'))).toEqual([]);
    });
  }, 30_000);

  it("leaving the reports page cancels the slow call: the handler's ctx.signal aborts and the report is never built", async () => {
    const name = 'Quarterly revenue';
    await open('#/reports', async (page) => {
      await page.waitForSelector('text=Building', { timeout: 10_000 });
      await expect.poll(() => reports.filter((r) => r.name === name).map((r) => r.outcome), { timeout: 10_000 }).toEqual(['started']);
      await page.click('nav a[href="#/users"]');
      await page.waitForSelector('table[aria-label=users]', { timeout: 10_000 });
      await expect.poll(() => reports.filter((r) => r.name === name).map((r) => r.outcome), { timeout: 10_000 }).toEqual(['started', 'cancelled']);
    });
  }, 30_000);
});
