import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/pack/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    pool: 'forks',
  },
});
