/**
 * A slow method for the frontend example (served beside the example services): the page starts a
 * report and cancels it when the user navigates away, which the handler sees as `ctx.signal`.
 * Generated into examples/frontend/generated/ by
 * `npx tsx --conditions=accord-source codegen/cli.ts gen --contracts examples/frontend/contracts --out examples/frontend/generated`.
 */
import { z } from 'zod';
import { service, unary } from 'accord-rpc/contract';

export const reports = service({
  name: 'reports',
  version: 1,
  description: 'Slow reports: each takes `delayMs` to build and stops as soon as its caller goes away.',
  methods: {
    build: unary({
      summary: 'Build a report slowly',
      input: z.object({
        name: z.string().min(1).max(80),
        delayMs: z.number().int().min(0).max(60_000).default(3_000),
      }),
      output: z.object({ name: z.string(), rows: z.number().int(), builtAt: z.iso.datetime() }),
      tags: ['reports'],
      idempotent: true,
      runs: 'inline',
    }),
  },
});
