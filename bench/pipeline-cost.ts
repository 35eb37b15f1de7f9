/**
 * Scenario 3, pipeline cost: no limits, no latency. Pushes per second through the whole pipeline
 * (`SyncEngine.push` of validated customers, one provider, high concurrency, in-memory state, `full: true` so every
 * push sends), against two transports sending the same requests (same method, URL, headers and JSON body, answer
 * read and parsed) to the same sandbox at the same concurrency:
 *
 * - axios alone: a bare axios instance with keep-alive agents, the transport the project is built on (the target);
 * - a raw keep-alive node:http client, the floor of the machine (reported, no target).
 *
 * The sides run in interleaved rounds (the order rotating each round), and each side's rate is the median of its
 * rounds, so machine load that comes and goes meets every side alike. Our `HttpClient` (the axios wrapper the
 * pipeline uses) runs in the same rounds, and the provider gate alone with empty jobs after them, to say where the
 * difference goes.
 */
import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
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
  median,
  profiled,
  RawClient,
  rawCreate,
  round,
  sandboxConfig,
  startHost,
  UNLIMITED,
  validCustomers,
  watchLoop,
  type BenchContext,
  type Scenario,
  type ScenarioResult,
  providerWhere,
} from './harness.js';

/** Addressed by the customer's own id with static header credentials: the pipeline alone, no token at all. */
const PROVIDER = providerWhere('addressed by our id with header credentials', (d) => d.defaultId !== undefined && !('token' in d.optionsShape));
const CONCURRENCY = 64;
const CUSTOMERS = 256;

type Task = (n: number) => Promise<unknown>;

interface Side {
  name: string;
  task: Task;
}

/**
 * Runs every side for `roundMs`, `rounds` times, the order rotating each round (a, b, c; b, c, a; …) so that no side
 * always follows the same one. Returns each side's rate per round, in round order. The middle round of `profiledSide`
 * is CPU-profiled when the run asks for profiles.
 */
async function interleaved(
  ctx: BenchContext,
  sides: readonly Side[],
  rounds: number,
  roundMs: number,
  profiledSide: string,
): Promise<Map<string, number[]>> {
  const rates = new Map<string, number[]>(sides.map((side) => [side.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(r + i) % sides.length] as Side;
      const run = () => closedLoop(CONCURRENCY, roundMs, side.task);
      const profile = side.name === profiledSide && r === Math.floor(rounds / 2);
      const result = profile ? (await profiled(ctx, 'pipeline-cost', run)).value : await run();
      rates.get(side.name)?.push(result.perSecond);
    }
  }
  return rates;
}

export const pipelineCostScenario: Scenario = {
  name: 'pipeline-cost',
  title: `Pipeline cost: SyncEngine.push vs axios alone and raw node:http, ${PROVIDER}, concurrency ${CONCURRENCY}, no limit, no latency`,
  async run(ctx): Promise<ScenarioResult> {
    const roundMs = ctx.quick ? 400 : 1500;
    const rounds = ctx.quick ? 3 : 5;
    const host = await startHost();
    const raw = new RawClient(CONCURRENCY);
    const httpAgent = new http.Agent({ keepAlive: true });
    const httpsAgent = new https.Agent({ keepAlive: true });
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
      const specOf = (n: number): RequestSpec => specs[n % specs.length] as RequestSpec;
      const headers = authHeaders(adapter);
      const expectAccepted = (who: string, status: number): void => {
        if (status !== 202) throw new Error(`${who}: HTTP ${status}`);
      };

      const rawPush = async (n: number): Promise<void> => expectAccepted('raw', (await raw.send(adapter, specOf(n))).status);

      // axios as a user would set it up for this: keep-alive agents, JSON in and out, no other options.
      const bare = axios.create({ baseURL: adapter.options.baseUrl, httpAgent, httpsAgent });
      const axiosPush = async (n: number): Promise<void> => {
        const spec = specOf(n);
        const res = await bare.request({ method: spec.method, url: spec.path, params: spec.query, data: spec.body, headers: { ...headers, ...spec.headers } });
        expectAccepted('axios', res.status);
      };

      const client = new HttpClient({ baseUrl: adapter.options.baseUrl, timeoutMs: 15_000, maxResponseBytes: 1024 * 1024 });
      const clientPush = async (n: number): Promise<void> => expectAccepted('HttpClient', (await client.request(specOf(n), headers)).status);

      const engine = engineFor(config, new MemoryStateStore());
      const pipelinePush = async (n: number): Promise<void> => {
        const result = await engine.push(customers[n % customers.length] as (typeof customers)[number], { full: true });
        const outcome = result.providers[PROVIDER];
        if (outcome?.status !== 'updated') throw new Error(`pipeline: ${JSON.stringify(outcome)}`);
      };

      const sides: Side[] = [
        { name: 'raw', task: rawPush },
        { name: 'axios', task: axiosPush },
        { name: 'pipeline', task: pipelinePush },
        { name: 'httpClient', task: clientPush },
      ];
      // Warm every path up (JIT, sockets), then the measured rounds.
      const warmMs = ctx.quick ? 300 : 1000;
      for (const side of sides) await closedLoop(CONCURRENCY, warmMs, side.task);
      const loop = watchLoop();
      await host.loopDelay();
      const rates = await interleaved(ctx, sides, rounds, roundMs, 'pipeline');
      const clientLoop = loop.stop();
      const hostLoop = await host.loopDelay();
      await engine.close();
      client.close();

      // The gate alone, at the same concurrency, configured as the pipeline configures it.
      const gate = new ProviderGate({ perSecond: UNLIMITED, concurrency: CONCURRENCY });
      const gateAlone = await closedLoop(CONCURRENCY, roundMs, () => gate.schedule(async () => undefined));
      await gate.stop();

      const med = (name: string): number => median(rates.get(name) ?? []);
      const [rawRate, axiosRate, pipelineRate, clientRate] = ['raw', 'axios', 'pipeline', 'httpClient'].map(med) as [number, number, number, number];
      const perRound = Object.fromEntries([...rates].map(([name, list]) => [name, list.map((rate) => round(rate, 0))]));
      const µs = (rate: number): number => round(1e6 / rate, 0);
      return {
        figures: [
          figure(
            'pipeline ÷ axios alone, pushes/s',
            round(pipelineRate / axiosRate),
            'ratio',
            atLeast(0.7),
            `medians of ${rounds} interleaved rounds: pipeline ${Math.round(pipelineRate)}/s, axios alone ${Math.round(axiosRate)}/s, ` +
              `raw ${Math.round(rawRate)}/s; our HttpClient ${Math.round(clientRate)}/s; gate alone ${Math.round(gateAlone.perSecond)} jobs/s`,
          ),
          figure('pipeline ÷ raw node:http, pushes/s', round(pipelineRate / rawRate), 'ratio', atLeast(0), 'reported, no target'),
        ],
        details: {
          provider: PROVIDER,
          concurrency: CONCURRENCY,
          configPerSecond: UNLIMITED,
          rounds,
          roundSeconds: roundMs / 1000,
          medianPerSecond: { raw: round(rawRate, 1), axios: round(axiosRate, 1), httpClient: round(clientRate, 1), pipeline: round(pipelineRate, 1) },
          ratios: {
            pipelineToAxios: round(pipelineRate / axiosRate),
            pipelineToRaw: round(pipelineRate / rawRate),
            httpClientToAxios: round(clientRate / axiosRate),
            axiosToRaw: round(axiosRate / rawRate),
          },
          // Wall time per request at this concurrency, on a 2-core machine shared with the sandbox: what each layer adds.
          microsecondsEach: { raw: µs(rawRate), axios: µs(axiosRate), httpClient: µs(clientRate), pipeline: µs(pipelineRate), gateAlone: µs(gateAlone.perSecond) },
          perRound,
          gateAloneJobsPerSecond: round(gateAlone.perSecond, 1),
          eventLoopDelayMs: { client: clientLoop, host: hostLoop },
        },
      };
    } finally {
      raw.close();
      httpAgent.destroy();
      httpsAgent.destroy();
      await host.close();
    }
  },
};
