/**
 * Scenario 2, undisclosed limit: the sandbox enforces 50 requests/s that the config does not know (the config
 * allows twice that) and answers 429 with `Retry-After: 1`. Figures: achieved ÷ true limit per provider, and
 * requests sent inside a Retry-After window, checked on both sides: the sandbox's request log against the 429s it
 * answered (a request arriving more than 20 ms after a 429 was sent after the client could know of it), and this
 * process's own request starts against the pauses its pipeline announced (exact).
 */
import { atLeast, atMost, figure, type Figure, type Scenario, type ScenarioResult } from './harness.js';
import { rateLimitedSync, reportSummary } from './rate-limit.js';

const TRUE_LIMIT = 50;
const CONFIG_PER_SECOND = 100;
const RETRY_AFTER_SECONDS = 1;

export const undisclosedLimitScenario: Scenario = {
  name: 'undisclosed-limit',
  title: `Undisclosed limit: sandbox ${TRUE_LIMIT}/s with Retry-After ${RETRY_AFTER_SECONDS} s, config ${CONFIG_PER_SECOND}/s`,
  async run(ctx): Promise<ScenarioResult> {
    const customers = ctx.quick ? 150 : 500;
    const run = await rateLimitedSync(ctx, {
      name: 'undisclosed-limit',
      customers,
      sandboxLimit: { perSecond: TRUE_LIMIT, retryAfterSeconds: RETRY_AFTER_SECONDS },
      configPerSecond: CONFIG_PER_SECOND,
      concurrency: 4,
    });
    const figures: Figure[] = run.providers.map((p) =>
      figure(
        `${p.provider} achieved ÷ true limit`,
        p.ratio,
        'ratio',
        atLeast(0.85),
        `${p.achievedPerSecond} req/s over ${p.seconds} s vs ${TRUE_LIMIT}/s; ${p.refused} × 429`,
      ),
    );
    const server = run.providers.reduce((sum, p) => sum + p.serverViolations, 0);
    const client = run.providers.reduce((sum, p) => sum + p.clientViolations, 0);
    const inFlight = run.providers.reduce((sum, p) => sum + p.inFlightAtRefusal, 0);
    figures.push(
      figure(
        'requests inside a Retry-After window',
        server + client,
        '',
        atMost(0),
        `sandbox log: ${server}; client side: ${client}; ${inFlight} more arrived within 20 ms of a 429 (already on the wire)`,
      ),
    );
    return {
      figures,
      details: {
        trueLimitPerSecond: TRUE_LIMIT,
        configPerSecond: CONFIG_PER_SECOND,
        retryAfterSeconds: RETRY_AFTER_SECONDS,
        customers,
        wallSeconds: run.wallSeconds,
        eventLoopDelayMs: run.loop,
        providers: run.providers,
        report: reportSummary(run.report),
      },
    };
  },
};
