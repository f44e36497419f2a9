import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/bench/**', 'node_modules/**'],
    environment: 'happy-dom',
    setupFiles: ['test/setup.ts'],
    testTimeout: 10000,
    restoreMocks: true,
  },
});
