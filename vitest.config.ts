import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // The package's own name resolves to its sources (as tsconfig.json's `paths` does for tsc and tsx), so that
  // examples/ import 'customer-sync' as a user does, without a build.
  resolve: {
    alias: [
      { find: /^customer-sync$/, replacement: here('./src/index.ts') },
      { find: /^customer-sync\/adapters\/([a-z-]+)$/, replacement: here('./adapters/$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Apart: the packed build (npm run test:pack) and the tests that need Redis and PostgreSQL (npm run test:scale).
    exclude: ['test/pack/**', 'test/scale/**', 'test/state/postgres-store.test.ts', 'test/state/upgrade-postgres.test.ts', 'node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    pool: 'forks',
    // Vitest's default is one worker less than the cores: one, on the 2-core machines this runs on. The suite's
    // long files (chaos, crash runs, the fault matrix) wait on sockets and timers as much as they compute, and
    // two at once took it from ~3 min to ~1.6 min with the same results.
    maxWorkers: 2,
  },
});
