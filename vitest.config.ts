import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The arm64 checks run on their own after the suite (scripts/test-arm64): emulation takes both cores.
    exclude: ['test/arm64/**', '**/node_modules/**'],
    // Real GStreamer, onnxruntime and Mosquitto: separate processes keep native state apart, and a
    // 2-core machine runs two files at a time at most.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each GStreamer sink pull and bus poll holds a libuv worker thread while it waits.
    env: { UV_THREADPOOL_SIZE: '24' },
  },
});
