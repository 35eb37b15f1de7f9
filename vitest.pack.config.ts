import { defineConfig } from 'vitest/config';

/** The packed-build check: slow (build, pack, install), so it runs apart from `npm test`. */
export default defineConfig({
  test: {
    include: ['test/pack/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
