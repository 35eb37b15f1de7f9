/**
 * Scenario 3, pipeline cost: no limits, no latency. Pushes per second through the whole pipeline
 * (`SyncEngine.push` of validated customers, one provider, high concurrency, in-memory state, `full: true` so every
 * push sends) against a raw keep-alive node:http client sending the same requests (same method, path, headers and
 * JSON body, answer read and parsed) to the same sandbox, in alternating rounds of the same run.
 *
 * To say where the difference goes, two parts of the pipeline are also timed alone at the same concurrency: the
 * provider gate (the Bottleneck limiter, configured as the pipeline configures it) with empty jobs, and the axios
 * HttpClient sending the same requests.
 */
import type { RequestSpec } from '../src/adapter/definition.js';
import { HttpClient } from '../src/pipeline/http-client.js';
import { ProviderGate } from '../src/pipeline/provider-gate.js';
import { MemoryStateStore } from '../src/state/memory-store.js';
import {
  adaptersFor,
  atLeast,
  authHeaders,
  closedLoop,
  eachLimit,
  engineFor,
  figure,
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

/** Addressed by the customer's own id with static header credentials: the pipeline alone, no token at all. */
const PROVIDER = providerWhere('addressed by our id with header credentials', (d) => d.defaultId !== undefined && !('token' in d.optionsShape));
const CONCURRENCY = 64;
const CUSTOMERS = 256;

export const pipelineCostScenario: Scenario = {
  name: 'pipeline-cost',
  title: `Pipeline cost: SyncEngine.push vs raw node:http, ${PROVIDER}, concurrency ${CONCURRENCY}, no limit, no latency`,
  async run(ctx): Promise<ScenarioResult> {
    const roundMs = ctx.quick ? 500 : 3000;
    const rounds = 2;
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

      // The requests a push sends: the update of each customer, by the id the provider addresses it with.
      const def = adapter.definition;
      const specs: RequestSpec[] = customers.map((customer) => {
        const update = def.updateBody(customer);
        if (!update.ok) throw new Error(update.message);
        return def.updateRequest(def.defaultId?.(customer) ?? customer.id, update.body);
      });
      const headers = authHeaders(adapter);
      const rawPush = async (n: number): Promise<void> => {
        const res = await raw.send(adapter, specs[n % specs.length] as RequestSpec);
        if (res.status !== 202) throw new Error(`raw: HTTP ${res.status}`);
      };

      const engine = engineFor(config, new MemoryStateStore());
      const pipelinePush = async (n: number): Promise<void> => {
        const result = await engine.push(customers[n % customers.length] as (typeof customers)[number], { full: true });
        const outcome = result.providers[PROVIDER];
        if (outcome?.status !== 'updated') throw new Error(`pipeline: ${JSON.stringify(outcome)}`);
      };

      // Warm both paths up (JIT, sockets), then alternate measured rounds.
      const warmMs = ctx.quick ? 300 : 1000;
      await closedLoop(CONCURRENCY, warmMs, rawPush);
      await closedLoop(CONCURRENCY, warmMs, pipelinePush);
      const totals = { raw: { completed: 0, seconds: 0 }, pipeline: { completed: 0, seconds: 0 } };
      const perRound: Array<{ kind: string; perSecond: number }> = [];
      const loop = watchLoop();
      await host.loopDelay();
      for (let r = 0; r < rounds; r++) {
        const a = await closedLoop(CONCURRENCY, roundMs, rawPush);
        const b = (await profiled(ctx, `pipeline-cost-${r + 1}`, () => closedLoop(CONCURRENCY, roundMs, pipelinePush))).value;
        totals.raw.completed += a.completed;
        totals.raw.seconds += a.seconds;
        totals.pipeline.completed += b.completed;
        totals.pipeline.seconds += b.seconds;
        perRound.push({ kind: 'raw', perSecond: round(a.perSecond, 0) }, { kind: 'pipeline', perSecond: round(b.perSecond, 0) });
      }
      const clientLoop = loop.stop();
      const hostLoop = await host.loopDelay();
      await engine.close();

      // The parts alone, at the same concurrency.
      const gate = new ProviderGate({ perSecond: UNLIMITED, concurrency: CONCURRENCY });
      const gateAlone = await closedLoop(CONCURRENCY, roundMs, () => gate.schedule(async () => undefined));
      await gate.stop();
      const http = new HttpClient({ baseUrl: adapter.options.baseUrl, timeoutMs: 15_000, maxResponseBytes: 1024 * 1024 });
      await closedLoop(CONCURRENCY, 300, (n) => http.request(specs[n % specs.length] as RequestSpec, headers));
      const axiosAlone = await closedLoop(CONCURRENCY, roundMs, (n) => http.request(specs[n % specs.length] as RequestSpec, headers));
      http.close();

      const rawRate = totals.raw.completed / totals.raw.seconds;
      const pipelineRate = totals.pipeline.completed / totals.pipeline.seconds;
      const ratio = pipelineRate / rawRate;
      return {
        figures: [
          figure(
            'pipeline ÷ raw pushes/s',
            round(ratio),
            'ratio',
            atLeast(0.7),
            `pipeline ${Math.round(pipelineRate)}/s vs raw ${Math.round(rawRate)}/s; alone: gate ${Math.round(gateAlone.perSecond)} jobs/s, ` +
              `axios HttpClient ${Math.round(axiosAlone.perSecond)} req/s`,
          ),
        ],
        details: {
          provider: PROVIDER,
          concurrency: CONCURRENCY,
          configPerSecond: UNLIMITED,
          roundSeconds: roundMs / 1000,
          pipelinePerSecond: round(pipelineRate, 1),
          rawPerSecond: round(rawRate, 1),
          rounds: perRound,
          partsAlone: { gateJobsPerSecond: round(gateAlone.perSecond, 1), axiosHttpClientPerSecond: round(axiosAlone.perSecond, 1) },
          eventLoopDelayMs: { client: clientLoop, host: hostLoop },
        },
      };
    } finally {
      raw.close();
      await host.close();
    }
  },
};
