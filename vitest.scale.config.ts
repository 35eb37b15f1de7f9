import { defineConfig } from 'vitest/config';

/**
 * The checks that need more than Node: PostgreSQL at 127.0.0.1:5432 (or $CUSTOMER_SYNC_TEST_PG) for the shared
 * state, and the scale tests (Redis; the metrics ones a Pushgateway, which test/scale/pushgateway.ts installs with
 * apt-get when missing and starts). They fail, never skip, when what they need is not running.
 */
export default defineConfig({
  test: {
    include: ['test/state/postgres-store.test.ts', 'test/state/upgrade-postgres.test.ts', 'test/state/postgres-forget.test.ts', 'test/scale/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
