import { defineConfig } from 'vitest/config';

/**
 * The repository imports Accord by its package name (`accord-rpc/...`), as users do. The
 * `accord-source` export condition points those imports at the TypeScript sources instead of the
 * compiled `dist/` (see package.json `exports`). Vite's resolver gets it here; child processes and
 * worker threads that tests start inherit it through NODE_OPTIONS.
 */
const SOURCE_CONDITION = 'accord-source';
if (!process.env.NODE_OPTIONS?.includes(`--conditions=${SOURCE_CONDITION}`)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --conditions=${SOURCE_CONDITION}`.trim();
}

export default defineConfig({
  // Vite's own default server conditions, after ours.
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'node', 'development|production'], externalConditions: [SOURCE_CONDITION] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real servers and worker threads: keep files in separate forks, but few at a time on 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
