/**
 * Drain, in a real `accord serve` child process stopped by PID: SIGTERM with calls in flight over
 * HTTP and WebSocket (in a pool worker and inline) and streams open on both. Readiness turns 503,
 * new calls get UNAVAILABLE, the calls in flight finish, the streams end with an UNAVAILABLE error
 * frame when the grace period is over, and the process exits 0. A second signal exits at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccordError } from 'accord-rpc/core';
import { httpClient } from 'accord-rpc/http';
import { wsClient } from 'accord-rpc/ws';
import { killChild, spawnTsx, waitForUrls, type Child } from '../server/child-process.js';
import { OpsClient } from './fixtures/clients.js';

const CONFIG = 'test/observability/fixtures/drain.config.ts';
let child: Child | undefined;
let ws: ReturnType<typeof wsClient> | undefined;

afterEach(async () => {
  await ws?.close?.();
  killChild(child);
});

/** Reads an SSE stream of `forever` until it ends; resolves with its text. */
async function readStream(response: Response, firstItem: () => void): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
    if (text.includes('event: item')) firstItem();
  }
}

describe('SIGTERM drain', () => {
  it('readyz turns 503, new calls get UNAVAILABLE, in-flight HTTP and WS calls finish, streams end with an error frame, exit 0', async () => {
    child = spawnTsx(['codegen/cli.ts', 'serve', CONFIG], { PORT: '0', ACCORD_LOG_FORMAT: 'auto' });
    const urls = await waitForUrls(child);
    ws = wsClient({ url: urls.ws! });
    const overWs = new OpsClient(ws);
    const overHttp = new OpsClient(httpClient({ url: urls.http! }));
    expect((await fetch(`${urls.http}/readyz`)).status).toBe(200);

    const httpSlow = overHttp.slow({ ms: 1_500 }); // in a pool worker
    const wsSlow = overWs.slowInline({ ms: 1_500 });
    let httpStreaming!: () => void;
    const httpStarted = new Promise<void>((resolve) => (httpStreaming = resolve));
    const httpStream = fetch(`${urls.http}/rpc/ops/v1/forever`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"intervalMs":100}' })
      .then((response) => readStream(response, httpStreaming));
    const wsItems: number[] = [];
    const wsStream = (async () => {
      try {
        for await (const { i } of overWs.forever({ intervalMs: 100 })) wsItems.push(i);
        return undefined;
      } catch (error) {
        return error as AccordError;
      }
    })();
    await httpStarted;
    await expect.poll(() => wsItems.length, { timeout: 5_000 }).toBeGreaterThan(0);

    child.process.kill('SIGTERM');
    await expect.poll(async () => (await fetch(`${urls.http}/readyz`)).status, { timeout: 2_000, interval: 20 }).toBe(503);
    await expect(overHttp.note({ text: 'late' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(overWs.note({ text: 'late' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    expect(await httpSlow).toEqual({ slept: 1_500 });
    expect(await wsSlow).toEqual({ slept: 1_500 });
    expect(await httpStream).toMatch(/event: error\ndata: \{"code":"UNAVAILABLE"/);
    expect(await wsStream).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await child.exited).toBe(0);
    // Not a terminal: `auto` wrote pino's JSON lines.
    expect(child.stderr()).toMatch(/^\{"level":30,.*"msg":"accord server ready"/m);
  }, 30_000);

  it('a second SIGTERM exits at once with 1, cutting the call in flight (and ACCORD_LOG_FORMAT=pretty logs through pino-pretty)', async () => {
    child = spawnTsx(['codegen/cli.ts', 'serve', CONFIG], { PORT: '0', ACCORD_LOG_FORMAT: 'pretty' });
    const urls = await waitForUrls(child);
    const overHttp = new OpsClient(httpClient({ url: urls.http! }));
    const slow = overHttp.slowInline({ ms: 10_000 }).catch((error: AccordError) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.process.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = Date.now();
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(1);
    expect(Date.now() - second).toBeLessThan(2_000);
    expect(await slow).toMatchObject({ code: 'UNAVAILABLE' });
    expect(child.stderr()).toMatch(/SIGTERM again, exiting without waiting/);
    expect(child.stderr()).toMatch(/INFO.*: accord server ready/);
    expect(child.stderr()).not.toMatch(/^\{"level"/m);
  }, 30_000);
});
