import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Real-Chromium tests: one browser at a time (2-core CI machines), generous timeouts.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    environment: 'node',
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 60000,
    hookTimeout: 60000,
    fileParallelism: false,
  },
});
