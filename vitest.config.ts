import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real servers and worker threads: keep files in separate forks, but few at a time on 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
