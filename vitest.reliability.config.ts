import { defineConfig } from 'vitest/config';

const MINUTE_MS = 60_000;

/**
 * `npm run test:reliability` (CI runs it after `npm test`): the runs that take tens of seconds each and would make
 * `npm test` slow and, on a busy machine, fragile. The chaos runs at their CI size (1,000 customers; 400 plus 54
 * conflicting colleagues against the providers' published code) and the SIGKILL crash runs (the CLI as a child process,
 * killed at request counts). About 1.5 minutes on an idle 2-core machine. `npm run test:chaos` runs the chaos and
 * crash-run files again, at full size.
 *
 * Nothing here is bounded by how fast the machine is: the kills land at request counts and the runs are checked by
 * what the providers hold. The timeouts only catch a hang: 15 minutes, far above the ~1 minute a file takes idle (a
 * machine busy with other work has made these files 5 times slower).
 */
export default defineConfig({
  test: {
    include: [
      'test/reliability/chaos.test.ts',
      'test/reliability/chaos-published.test.ts',
      'test/reliability/crash-runs.test.ts',
      'test/cli/crash.test.ts',
    ],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 2,
    env: { CHAOS_TIMEOUT_MS: String(15 * MINUTE_MS) },
    testTimeout: 15 * MINUTE_MS,
    hookTimeout: 2 * MINUTE_MS,
  },
});
