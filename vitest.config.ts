import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Apart: the packed build (npm run test:pack) and the tests that need Redis and PostgreSQL (npm run test:scale).
    exclude: ['test/pack/**', 'test/scale/**', 'test/state/postgres-store.test.ts', 'node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    pool: 'forks',
  },
});
