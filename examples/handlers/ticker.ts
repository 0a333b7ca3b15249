/**
 * The ticker service: `watch` streams `count` ticks, one every `intervalMs`, and stops as soon as
 * the caller goes away (ctx.signal); `publish` records a price and emits `alert` when it crosses
 * the symbol's threshold (given now, or remembered from an earlier publish).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { implementTickerV1 } from '../../generated/ticker/server.js';

/** A deterministic start price per symbol, so demos and tests see the same numbers. */
function basePrice(symbol: string): number {
  let h = 0;
  for (const c of symbol) h = (h * 31 + c.charCodeAt(0)) % 1000;
  return 50 + h / 10;
}

export function createTickerService() {
  const last = new Map<string, { price: number; threshold?: number }>();
  return implementTickerV1({
    watch: async function* ({ symbol, count, intervalMs }, ctx) {
      let price = last.get(symbol)?.price ?? basePrice(symbol);
      for (let seq = 1; seq <= count; seq++) {
        // Node's own timer promise: it ends early when the caller goes away.
        if (seq > 1) await delay(intervalMs, undefined, { signal: ctx.signal });
        ctx.signal.throwIfAborted();
        // A small, deterministic walk: up and down in a slow wave.
        price = Math.round((price + Math.sin(seq) * 0.5) * 100) / 100;
        yield { symbol, seq, price, at: new Date().toISOString() };
      }
    },

    publish: ({ symbol, price, threshold }, ctx) => {
      const before = last.get(symbol);
      const limit = threshold ?? before?.threshold;
      last.set(symbol, { price, threshold: limit });
      if (limit === undefined) return { alerted: false };
      // With no earlier price, reaching the threshold counts as crossing it upwards.
      const previous = before?.price ?? -Infinity;
      const direction = previous < limit && price >= limit ? 'up' : previous > limit && price <= limit ? 'down' : undefined;
      if (!direction) return { alerted: false };
      ctx.emit('alert', { symbol, price, threshold: limit, direction });
      return { alerted: true };
    },
  });
}

export const tickerService = createTickerService();
