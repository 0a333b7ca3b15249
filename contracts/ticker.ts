import { z } from 'zod';
import { event, service, stream, unary } from 'accord-rpc/contract';

const Tick = z
  .object({
    symbol: z.string(),
    seq: z.number().int(),
    price: z.number(),
    at: z.iso.datetime(),
  })
  .meta({ id: 'Tick' });

export const ticker = service({
  name: 'ticker',
  version: 1,
  description: 'Market prices: a server stream of typed ticks, and an event when a price crosses a threshold.',
  methods: {
    watch: stream({
      summary: 'Stream price ticks for a symbol',
      input: z.object({
        symbol: z.string().regex(/^[A-Z]{1,5}$/),
        count: z.number().int().min(1).max(10_000).default(10),
        intervalMs: z.number().int().min(0).max(10_000).default(100),
      }),
      output: Tick,
      tags: ['ticker'],
      runs: 'inline',
    }),
    publish: unary({
      summary: 'Publish a price; emits `alert` when it crosses the threshold',
      input: z.object({ symbol: z.string().regex(/^[A-Z]{1,5}$/), price: z.number().positive(), threshold: z.number().positive().optional() }),
      output: z.object({ alerted: z.boolean() }),
      tags: ['ticker'],
      runs: 'inline',
    }),
  },
  events: {
    alert: event({
      description: 'A price crossed its threshold',
      data: z.object({ symbol: z.string(), price: z.number(), threshold: z.number(), direction: z.enum(['up', 'down']) }),
    }),
  },
});
