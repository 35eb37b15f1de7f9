/**
 * Scenario 6, push-everywhere overhead: `push` (the library call: validation, then all four providers in parallel)
 * of one customer to four providers that each answer after 30 ms, one push after the other. Figure: p50 and p99 of
 * (wall − 30 ms), the time the push takes above its slowest provider. Its baseline, a raw keep-alive client sending
 * the same four requests in parallel, runs interleaved with it (raw, push, push, raw, raw, push…), so that the
 * machine's load meets both alike: the raw client's own p99 is what loopback, the sandbox's timers and the machine
 * leave before any of our code runs.
 *
 * To say where the tail comes from, each push records when its last request left (the pipeline's `request` event,
 * emitted just before the request is written) and the garbage collections that ran during it; and, timed alone, one
 * job at a time, the provider gate (the Bottleneck limiter as the pipeline configures it) and the validation.
 */
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
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

/** Garbage collections as they end, on the `performance.now()` clock. */
function watchGc(): { during(start: number, end: number): { count: number; ms: number }; stop(): void } {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => void entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    during(start, end) {
      let count = 0;
      let ms = 0;
      for (const entry of entries) {
        const overlap = Math.min(end, entry.startTime + entry.duration) - Math.max(start, entry.startTime);
        if (overlap > 0) {
          count += 1;
          ms += overlap;
        }
      }
      return { count, ms: round(ms, 2) };
    },
    stop: () => observer.disconnect(),
  };
}

interface Push {
  overhead: number;
  /** From the call to the last of its requests leaving. */
  sentAfter: number;
  gc: { count: number; ms: number };
}

export const pushOverheadScenario: Scenario = {
  name: 'push-overhead',
  title: `Push-everywhere overhead: sequential push to 4 providers of ${LATENCY_MS} ms latency, raw client interleaved`,
  async run(ctx): Promise<ScenarioResult> {
    const pushes = ctx.quick ? 60 : 300;
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

      // The four updates a push of customer n sends, as the raw client sends them.
      const rawRequests = customers.map((customer) => {
        const learned = ids.get(customer.id) ?? {};
        return PROVIDER_IDS.map((id) => {
          const adapter = adapters.get(id);
          if (adapter === undefined) throw new Error(`no ${id} adapter`);
          const def = adapter.definition;
          const update = def.updateBody(customer);
          if (!update.ok) throw new Error(update.message);
          const target = customer.providerIds?.[id]?.toString() ?? def.defaultId?.(customer) ?? learned[id] ?? '';
          return { adapter, spec: def.updateRequest(target, update.body) as RequestSpec };
        });
      });
      const rawPush = async (n: number): Promise<number> => {
        const requests = rawRequests[n % rawRequests.length] ?? [];
        const started = performance.now();
        await Promise.all(requests.map(({ adapter, spec }) => raw.send(adapter, spec)));
        return performance.now() - started - LATENCY_MS;
      };

      let lastRequestAt = 0;
      sync.on('request', () => {
        lastRequestAt = performance.now();
      });
      const gc = watchGc();
      const timedPush = async (n: number): Promise<Push> => {
        const started = performance.now();
        const result = await sync.push(inputs[n % inputs.length], { full: true });
        const ended = performance.now();
        for (const id of PROVIDER_IDS) {
          if (result.providers[id]?.status !== 'updated') throw new Error(`push ${id}: ${JSON.stringify(result.providers[id])}`);
        }
        return { overhead: ended - started - LATENCY_MS, sentAfter: lastRequestAt - started, gc: gc.during(started, ended) };
      };
      for (let n = 0; n < 20; n++) {
        await timedPush(n);
        await rawPush(n);
      }

      const loop = watchLoop();
      await host.loopDelay();
      const { measured, floor } = (
        await profiled(ctx, 'push-overhead', async () => {
          const measured: Push[] = [];
          const floor: number[] = [];
          // In pairs whose order alternates (raw, push, push, raw…): neither side always follows the other.
          for (let n = 0; n < pushes; n++) {
            if (n % 2 === 0) {
              floor.push(await rawPush(n));
              measured.push(await timedPush(n));
            } else {
              measured.push(await timedPush(n));
              floor.push(await rawPush(n));
            }
          }
          return { measured, floor };
        })
      ).value;
      const clientLoop = loop.stop();
      const hostLoop = await host.loopDelay();
      gc.stop();
      await sync.close();

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

      const ours = summary(measured.map((p) => p.overhead));
      const rawFloor = summary(floor);
      const sent = summary(measured.map((p) => p.sentAfter));
      const gateAlone = summary(gateMs);
      // The slowest 1 % of pushes (those at or above p99): what each met.
      const tail = [...measured]
        .sort((a, b) => b.overhead - a.overhead)
        .slice(0, Math.max(1, Math.ceil(measured.length / 100)))
        .map((p) => ({ overheadMs: round(p.overhead, 2), sentAfterMs: round(p.sentAfter, 2), gc: p.gc }));
      const withGc = measured.filter((p) => p.gc.count > 0).length;
      // What the pushes no garbage collection ran during took: the tail the collector leaves out.
      const withoutGc = summary(measured.filter((p) => p.gc.count === 0).map((p) => p.overhead));
      const note =
        `raw client interleaved, same 4 requests in parallel: p50 ${rawFloor.p50} ms, p99 ${rawFloor.p99} ms; last request on the wire after p50 ` +
        `${sent.p50} ms, p99 ${sent.p99} ms; a GC during ${withGc} of ${measured.length} pushes; gate alone, one empty job: p50 ${gateAlone.p50} ms, ` +
        `p99 ${gateAlone.p99} ms; validation alone p50 ${summary(validateMs).p50} ms`;
      return {
        figures: [
          figure(`p50 of wall − ${LATENCY_MS} ms`, ours.p50, 'ms', atMost(5), note),
          figure(
            `p99 of wall − ${LATENCY_MS} ms`,
            ours.p99,
            'ms',
            atMost(5),
            `raw client's p99 in the same run: ${rawFloor.p99} ms; the ${measured.length - withGc} pushes no GC ran during: p99 ${withoutGc.p99} ms`,
          ),
        ],
        details: {
          latencyMs: LATENCY_MS,
          pushes,
          overheadMs: ours,
          rawOverheadMs: rawFloor,
          lastRequestSentAfterMs: sent,
          pushesWithGc: withGc,
          overheadWithoutGcMs: withoutGc,
          slowestPushes: tail,
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
