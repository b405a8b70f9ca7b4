import { defineConfig } from 'vitest/config';

// scripts/test-arm64: one file, alone (qemu takes both cores), with the suite's environment.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/arm64/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
    env: { UV_THREADPOOL_SIZE: '24' },
  },
});
