/**
 * Scenario 6, push-everywhere overhead: `push` (the library call: validation, then all four providers in parallel)
 * of one customer to four providers that each answer after 30 ms, one push after the other. Figure: p50 and p99 of
 * (wall − 30 ms). A raw client sending the same four requests in parallel is timed the same way, for the floor
 * that loopback and the sandbox's timers leave.
 *
 * To say where the overhead goes: each push's time until its last request left (the pipeline's `request` event,
 * emitted just before the request is written), and, timed alone, one job at a time, the provider gate (the
 * Bottleneck limiter as the pipeline configures it) and the validation (`parseCustomer`).
 */
import type { RequestSpec } from '../src/adapter/definition.js';
import { parseCustomer } from '../src/model/customer.js';
import { ProviderGate } from '../src/pipeline/provider-gate.js';
import { PROVIDER_IDS, type ProviderId } from '../src/providers.js';
import { createCustomerSync } from '../src/sync.js';
import {
  adaptersFor,
  atMost,
  eachLimit,
  figure,
  percentile,
  profiled,
  RawClient,
  round,
  sandboxConfig,
  startHost,
  UNLIMITED,
  validCustomers,
  watchLoop,
  type Scenario,
  type ScenarioResult,
} from './harness.js';
import { makeCustomer } from './customers.js';

const LATENCY_MS = 30;

function summary(overheads: number[]): { p50: number; p90: number; p99: number; max: number } {
  const sorted = [...overheads].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50), 2),
    p90: round(percentile(sorted, 90), 2),
    p99: round(percentile(sorted, 99), 2),
    max: round(sorted[sorted.length - 1] ?? Number.NaN, 2),
  };
}

export const pushOverheadScenario: Scenario = {
  name: 'push-overhead',
  title: `Push-everywhere overhead: sequential push to 4 providers of ${LATENCY_MS} ms latency`,
  async run(ctx): Promise<ScenarioResult> {
    const pushes = ctx.quick ? 40 : 200;
    const count = ctx.quick ? 40 : 100;
    const host = await startHost();
    const raw = new RawClient(16);
    try {
      const all = Object.fromEntries(PROVIDER_IDS.map((id) => [id, { perSecond: UNLIMITED, concurrency: 8, createMissing: true }]));
      const config = sandboxConfig(host.current, all);
      const adapters = adaptersFor(config);
      const sync = createCustomerSync({ adapters: [...adapters.values()] });
      const inputs = Array.from({ length: count }, (_, i) => makeCustomer(i));
      const customers = validCustomers(count);

      // Create every customer everywhere (no latency yet); the ids learned are what the raw client addresses.
      const ids = new Map<string, Partial<Record<ProviderId, string>>>();
      await eachLimit(inputs, 16, async (input, i) => {
        const result = await sync.push(input);
        const learned: Partial<Record<ProviderId, string>> = {};
        for (const id of PROVIDER_IDS) {
          const outcome = result.providers[id];
          if (outcome?.status !== 'created' || outcome.providerId === undefined) throw new Error(`seeding ${id}: ${JSON.stringify(outcome)}`);
          learned[id] = outcome.providerId;
        }
        ids.set(customers[i]?.id ?? '', learned);
      });
      for (const id of PROVIDER_IDS) await host.setLatency(id, LATENCY_MS);

      let lastRequestAt = 0;
      sync.on('request', () => {
        lastRequestAt = performance.now();
      });
      const beforeSend: number[] = [];
      const timedPush = async (n: number): Promise<number> => {
        const started = performance.now();
        const result = await sync.push(inputs[n % inputs.length], { full: true });
        const wall = performance.now() - started;
        beforeSend.push(lastRequestAt - started);
        for (const id of PROVIDER_IDS) {
          if (result.providers[id]?.status !== 'updated') throw new Error(`push ${id}: ${JSON.stringify(result.providers[id])}`);
        }
        return wall - LATENCY_MS;
      };
      for (let n = 0; n < 10; n++) await timedPush(n);
      beforeSend.length = 0;
      const loop = watchLoop();
      await host.loopDelay();
      const overheads = (
        await profiled(ctx, 'push-overhead', async () => {
          const list: number[] = [];
          for (let n = 0; n < pushes; n++) list.push(await timedPush(n));
          return list;
        })
      ).value;
      const clientLoop = loop.stop();
      const hostLoop = await host.loopDelay();
      await sync.close();

      // The same four updates from a raw client, in parallel, one customer after the other.
      const rawOverheads: number[] = [];
      for (let n = 0; n < pushes; n++) {
        const customer = customers[n % customers.length];
        if (customer === undefined) continue;
        const learned = ids.get(customer.id) ?? {};
        const started = performance.now();
        await Promise.all(
          PROVIDER_IDS.map((id) => {
            const adapter = adapters.get(id);
            if (adapter === undefined) throw new Error(`no ${id} adapter`);
            const def = adapter.definition;
            const update = def.updateBody(customer);
            if (!update.ok) throw new Error(update.message);
            const target = customer.providerIds?.[id]?.toString() ?? def.defaultId?.(customer) ?? learned[id] ?? '';
            return raw.send(adapter, def.updateRequest(target, update.body) as RequestSpec);
          }),
        );
        rawOverheads.push(performance.now() - started - LATENCY_MS);
      }

      // The parts alone, one at a time.
      const gate = new ProviderGate({ perSecond: UNLIMITED, concurrency: 8 });
      const gateMs: number[] = [];
      for (let n = 0; n < pushes; n++) {
        const started = performance.now();
        await gate.schedule(async () => undefined);
        gateMs.push(performance.now() - started);
      }
      await gate.stop();
      const validateMs = inputs.map((input) => {
        const started = performance.now();
        parseCustomer(input);
        return performance.now() - started;
      });

      const ours = summary(overheads);
      const floor = summary(rawOverheads);
      const sent = summary(beforeSend);
      const gateAlone = summary(gateMs);
      const note =
        `raw client, same 4 requests in parallel: p50 ${floor.p50} ms, p99 ${floor.p99} ms; last request on the wire after p50 ` +
        `${sent.p50} ms; gate alone, one empty job: p50 ${gateAlone.p50} ms, p99 ${gateAlone.p99} ms; validation alone p50 ${summary(validateMs).p50} ms`;
      return {
        figures: [
          figure('p50 of wall − 30 ms', ours.p50, 'ms', atMost(5), note),
          figure('p99 of wall − 30 ms', ours.p99, 'ms', atMost(5)),
        ],
        details: {
          latencyMs: LATENCY_MS,
          pushes,
          overheadMs: ours,
          rawOverheadMs: floor,
          lastRequestSentAfterMs: sent,
          gateAloneMs: gateAlone,
          validationAloneMs: summary(validateMs),
          eventLoopDelayMs: { client: clientLoop, host: hostLoop },
        },
      };
    } finally {
      raw.close();
      await host.close();
    }
  },
};
