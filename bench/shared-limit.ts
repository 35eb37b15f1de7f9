/**
 * Scenario 7, one limit shared by worker processes (issue 6): queue mode deployed as in
 * test/scale/workers.test.ts, three `customer-sync worker` processes and a `sync --queue` coordinator (children
 * running the built CLI, `node dist/cli.js`) with Redis and a PostgreSQL state, the sandbox enforcing 50 requests/s on one provider and the config saying the same.
 * Each customer is one create. Figures: achieved ÷ limit at the sandbox over its active period (first to last
 * request, so worker start-up does not count), the most requests in any sliding 1 s window, and 429s.
 *
 * The sandbox runs in this process, as in the test: the workers, not this process, do the work being measured.
 */
import { sandboxProvidersConfig } from '../src/sandbox/cli.js';
import { startSandbox } from '../src/sandbox/index.js';
import { requireRedis } from '../test/scale/redis.js';
import { QueueDeployment, requirePostgres, stopChildren } from '../test/scale/scale-harness.js';
import type { SyncReport } from '../src/job/report.js';
import { atLeast, atMost, figure, round, spawnBuiltCli, steadyRate, type Scenario, type ScenarioResult, providerWhere } from './harness.js';

/** One that creates whenever no id is known: every push of a new customer is a request. */
const PROVIDER = providerWhere('creating whenever no id is known', (d) => d.create?.when === 'no-id');
const LIMIT = 50;
const WORKERS = 3;
/** Jobs each worker runs at once; also the config's per-provider in-flight cap, as in the test. */
const CONCURRENCY = 4;

export const sharedLimitScenario: Scenario = {
  name: 'shared-limit',
  title: `Shared limit: ${WORKERS} worker processes, sandbox ${LIMIT}/s on ${PROVIDER}, config ${LIMIT}/s`,
  async run(ctx): Promise<ScenarioResult> {
    await requireRedis();
    await requirePostgres();
    // About 0.9 × 50/s: ≥ 10 s of traffic, quick ≈ 4.5 s.
    const customers = ctx.quick ? 200 : 600;
    const sandbox = await startSandbox({ rateLimits: { [PROVIDER]: { perSecond: LIMIT } }, log: true });
    const deployment = new QueueDeployment();
    try {
      const providers = { [PROVIDER]: { ...sandboxProvidersConfig(sandbox)[PROVIDER], rateLimit: { perSecond: LIMIT, concurrency: CONCURRENCY } } };
      const { config, input } = await deployment.setup(providers, customers);
      // The deployment's own startWorkers and coordinate run the CLI from source (tsx); these run dist/cli.js.
      const cli = (args: string[]) => spawnBuiltCli(args, { cwd: deployment.dir, env: deployment.env });
      const t0 = performance.now();
      const workers = Array.from({ length: WORKERS }, () => cli(['worker', '--config', config, '--concurrency', String(CONCURRENCY), '--log-level', 'info']));
      deployment.defer(async () => void (await stopChildren(workers)));
      await Promise.all(workers.map((worker) => worker.waitFor('"msg":"worker ready"', 60_000)));
      ctx.log(`${WORKERS} workers ready after ${((performance.now() - t0) / 1000).toFixed(1)} s; sync --queue of ${customers} customers`);
      const coordinator = cli(['sync', '--queue', '--config', config, '--input', input, '--json']);
      deployment.defer(async () => {
        coordinator.kill('SIGKILL'); // a no-op once it has exited
        await coordinator.exit;
      });
      const { code } = await coordinator.exit;
      if (code === 2) throw new Error(`sync --queue could not run:\n${coordinator.stderr()}`);
      const report = JSON.parse(coordinator.stdout()) as SyncReport;
      await stopChildren(workers);

      const stats = sandbox.stats(PROVIDER);
      const times = sandbox.requests(PROVIDER).map((request) => request.at).sort((a, b) => a - b);
      const seconds = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
      const achieved = steadyRate(times);
      const counts = report.providers[PROVIDER];
      const outcome = code === 0 ? '' : `; sync --queue exited ${code}, ${counts?.failed ?? '?'} failed`;
      return {
        figures: [
          figure(
            `${PROVIDER} achieved ÷ limit, ${WORKERS} workers`,
            round(achieved / LIMIT),
            'ratio',
            atLeast(0.9),
            `${times.length} requests in ${seconds.toFixed(2)} s = ${achieved.toFixed(1)}/s vs ${LIMIT}/s${outcome}`,
          ),
          figure(`max requests in any 1 s window, ${WORKERS} workers`, stats.maxRatePerSecond, '', atMost(LIMIT)),
          figure(`429 answers, ${WORKERS} workers`, stats.rateLimited, '', atMost(0)),
        ],
        details: {
          provider: PROVIDER,
          limitPerSecond: LIMIT,
          workers: WORKERS,
          concurrency: CONCURRENCY,
          customers,
          requests: times.length,
          seconds: round(seconds),
          achievedPerSecond: round(achieved, 2),
          maxRatePerSecond: stats.maxRatePerSecond,
          rateLimited: stats.rateLimited,
          exitCode: code,
          report: counts,
        },
      };
    } finally {
      await deployment.close();
      await sandbox.close();
    }
  },
};
