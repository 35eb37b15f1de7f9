/**
 * Scenario 4, latency-bound concurrency: the provider answers after 50 ms and the config allows C = 8 requests at
 * once (and no rate limit to speak of). With more pushes waiting than C, the best possible is C / 50 ms = 160
 * requests/s. Figure: achieved ÷ (C / latency). A raw client with C sockets runs beside it in interleaved rounds
 * (raw, pipeline, raw, pipeline…; each rate the median of its rounds), for the floor that loopback, the sandbox's
 * timers and the machine's load leave.
 */
import type { RequestSpec } from '../src/adapter/definition.js';
import { MemoryStateStore } from '../src/state/memory-store.js';
import {
  adaptersFor,
  atLeast,
  closedLoop,
  eachLimit,
  engineFor,
  figure,
  interleave,
  profiled,
  RawClient,
  rawCreate,
  round,
  sandboxConfig,
  startHost,
  UNLIMITED,
  validCustomers,
  watchLoop,
  type Scenario,
  type ScenarioResult,
  providerWhere,
} from './harness.js';

/** Addressed by the customer's own id with a static bearer token: no token exchange, no create in the way. */
const PROVIDER = providerWhere('addressed by our id with a bearer token', (d) => d.defaultId !== undefined && 'token' in d.optionsShape);
const CONCURRENCY = 8;
const LATENCY_MS = 50;
/** Pushes waiting at once: well above C, so the limiter always has work. */
const PUSHERS = 32;
const CUSTOMERS = 200;

export const latencyScenario: Scenario = {
  name: 'latency-concurrency',
  title: `Latency-bound concurrency: ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}, ${PROVIDER}`,
  async run(ctx): Promise<ScenarioResult> {
    const host = await startHost();
    const raw = new RawClient(CONCURRENCY);
    try {
      const config = sandboxConfig(host.current, { [PROVIDER]: { perSecond: UNLIMITED, concurrency: CONCURRENCY, createMissing: true } });
      const adapter = adaptersFor(config).get(PROVIDER);
      if (adapter === undefined) throw new Error(`no ${PROVIDER} adapter`);
      const customers = validCustomers(ctx.quick ? CUSTOMERS / 2 : CUSTOMERS);
      await eachLimit(customers, 16, async (customer) => {
        await rawCreate(raw, adapter, customer);
      });
      await host.setLatency(PROVIDER, LATENCY_MS);

      const engine = engineFor(config, new MemoryStateStore());
      const push = async (n: number): Promise<void> => {
        const result = await engine.push(customers[n % customers.length] as (typeof customers)[number], { full: true });
        if (result.providers[PROVIDER]?.status !== 'updated') throw new Error(`push: ${JSON.stringify(result.providers[PROVIDER])}`);
      };
      const def = adapter.definition;
      const specs: RequestSpec[] = customers.map((customer) => {
        const update = def.updateBody(customer);
        if (!update.ok) throw new Error(update.message);
        return def.updateRequest(customer.id, update.body);
      });

      const rawSend = (n: number) => raw.send(adapter, specs[n % specs.length] as RequestSpec);
      await closedLoop(PUSHERS, 300, push);
      await closedLoop(CONCURRENCY, 300, rawSend);
      const rounds = ctx.quick ? 3 : 4;
      const roundMs = ctx.quick ? 500 : 1500;
      const loop = watchLoop();
      await host.loopDelay();
      let roundNo = 0;
      const sides = await interleave(rounds, {
        raw: async () => (await closedLoop(CONCURRENCY, roundMs, rawSend)).perSecond,
        pipeline: async () => {
          const run = () => closedLoop(PUSHERS, roundMs, push);
          // The middle round is the one profiled, when the run asks for profiles.
          const measured = ++roundNo === Math.ceil(rounds / 2) ? (await profiled(ctx, 'latency-concurrency', run)).value : await run();
          return measured.perSecond;
        },
      });
      const clientLoop = loop.stop();
      const hostLoop = await host.loopDelay();
      await engine.close();
      const measured = { perSecond: sides.pipeline.median };
      const rawRun = { perSecond: sides.raw.median };

      const ideal = (CONCURRENCY * 1000) / LATENCY_MS;
      return {
        figures: [
          figure(
            `achieved ÷ (C / ${LATENCY_MS} ms)`,
            round(measured.perSecond / ideal),
            'ratio',
            atLeast(0.9),
            `${round(measured.perSecond, 1)} req/s vs ideal ${ideal}/s; raw client with ${CONCURRENCY} sockets: ${round(rawRun.perSecond, 1)}/s ` +
              `(${round(rawRun.perSecond / ideal)})`,
          ),
        ],
        details: {
          provider: PROVIDER,
          concurrency: CONCURRENCY,
          latencyMs: LATENCY_MS,
          pushers: PUSHERS,
          rounds,
          roundSeconds: roundMs / 1000,
          perSecond: round(measured.perSecond, 1),
          idealPerSecond: ideal,
          rawPerSecond: round(rawRun.perSecond, 1),
          perRound: { pipeline: sides.pipeline.samples.map((r) => round(r, 1)), raw: sides.raw.samples.map((r) => round(r, 1)) },
          eventLoopDelayMs: { client: clientLoop, host: hostLoop },
        },
      };
    } finally {
      raw.close();
      await host.close();
    }
  },
};
