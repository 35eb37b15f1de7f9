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
    // Apart: the packed build (npm run test:pack), the tests that need Redis or PostgreSQL (npm run test:scale) and
    // the long chaos and SIGKILL crash runs (npm run test:reliability). CI runs all four; test/test-partition.test.ts
    // checks that each test file is in exactly one of them.
    exclude: [
      'test/pack/**',
      'test/scale/**',
      'test/state/postgres-store.test.ts',
      'test/state/upgrade-postgres.test.ts',
      'test/state/postgres-forget.test.ts',
      'test/reliability/chaos.test.ts',
      'test/reliability/chaos-published.test.ts',
      'test/reliability/crash-runs.test.ts',
      'test/cli/crash.test.ts',
      'node_modules/**',
    ],
    environment: 'node',
    // Timeouts catch a hang, nothing else: the longest tests take about 10 s on a lightly loaded machine, and a
    // machine busy with other work has made the suite 5 times slower. No test here depends on how fast it is.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker less than the cores: one, on the 2-core machines this runs on. The suite's
    // long files (the fault matrix, the hostile servers) wait on sockets and timers as much as they compute, and
    // two at once took it from ~3 min to ~1.6 min with the same results.
    maxWorkers: 2,
  },
});
