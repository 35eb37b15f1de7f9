/**
 * Scenario 1, rate-limit fidelity: four providers, each sandbox enforcing N requests/s in a sliding 1 s window, and
 * the config's `rateLimit.perSecond` set to the same N. A sync of enough customers for ≥ 10 s of traffic (quick:
 * ~3 s) with `--full`, so every record is one PUT per provider. Figure: achieved ÷ limit per provider, and 429s.
 *
 * `rateLimitedSync` is shared with scenario 2 (undisclosed-limit.ts).
 */
import dc from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { join } from 'node:path';
import type { RateLimitEvent } from '../src/events.js';
import { runSync } from '../src/job/run-sync.js';
import type { SyncReport } from '../src/job/report.js';
import { PROVIDER_IDS, type ProviderId } from '../src/providers.js';
import type { RateLimit, SandboxStats } from '../src/sandbox/index.js';
import type { SyncEngine } from '../src/push/engine.js';
import { SqliteStateStore } from '../src/state/sqlite-store.js';
import {
  adaptersFor,
  atLeast,
  atMost,
  engineFor,
  figure,
  maxPerSecond,
  profiled,
  RawClient,
  records,
  round,
  sandboxConfig,
  seedEverywhere,
  startHost,
  steadyRate,
  UNLIMITED,
  validCustomers,
  watchLoop,
  type BenchContext,
  type LoopDelay,
  type Figure,
  type ProviderSettings,
  type Scenario,
  type ScenarioResult,
} from './harness.js';
import type { Refusal } from './sandbox-host.js';

export interface RateRunOptions {
  name: string;
  customers: number;
  /** What the sandbox enforces. */
  sandboxLimit: RateLimit;
  /** What the config says. */
  configPerSecond: number;
  concurrency: number;
}

export interface ProviderRate {
  provider: ProviderId;
  /** Requests the sandbox received in the measured sync, and how many it refused (429). */
  requests: number;
  refused: number;
  /** Admitted requests per second, first to last arrival. */
  achievedPerSecond: number;
  ratio: number;
  maxRatePerSecond: number;
  seconds: number;
  stats: SandboxStats;
  /** Arrivals at the sandbox inside a Retry-After window, later than `IN_FLIGHT_GRACE_MS` after the 429. */
  serverViolations: number;
  /** Arrivals within the grace: requests already on the wire when the 429 was answered. */
  inFlightAtRefusal: number;
  /** Requests this process started while the pipeline had the provider paused for a 429 (exact, client side). */
  clientViolations: number;
}

export interface RateRun {
  providers: ProviderRate[];
  report: SyncReport;
  wallSeconds: number;
  /** Event-loop delay of this process and of the sandbox's during the measured sync. */
  loop: { client: LoopDelay; host: LoopDelay };
}

/** A request already on the wire when the 429 was answered arrives within this long after it (loopback). */
const IN_FLIGHT_GRACE_MS = 20;
/** Timer granularity: a retry at exactly the end of the window is not early. */
const WINDOW_TOLERANCE_MS = 2;

/**
 * Client side, exact: when this process started each request (node:http's diagnostics channel) and when the
 * pipeline paused a provider for a 429 (its `rateLimit` event, emitted as the pause begins, with the wait).
 */
class WireLog {
  readonly starts = new Map<ProviderId, number[]>();
  readonly pauses = new Map<ProviderId, Refusal[]>();
  readonly #onStart = (message: unknown): void => {
    const { request } = message as { request: ClientRequest };
    const provider = providerOf(request.path);
    if (provider !== undefined) push(this.starts, provider, performance.now());
  };
  readonly #onPause = (event: RateLimitEvent): void => {
    push(this.pauses, event.provider, { at: performance.now(), retryAfterMs: event.waitMs });
  };

  constructor(private readonly engine: SyncEngine) {}

  start(): void {
    dc.subscribe('http.client.request.start', this.#onStart);
    this.engine.events.on('rateLimit', this.#onPause);
  }

  stop(): void {
    dc.unsubscribe('http.client.request.start', this.#onStart);
    this.engine.events.off('rateLimit', this.#onPause);
  }
}

function push<T>(map: Map<ProviderId, T[]>, key: ProviderId, value: T): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

function providerOf(path: string): ProviderId | undefined {
  const id = path.split('/')[1];
  return PROVIDER_IDS.find((p) => p === id);
}

/** Events in `times` that fall inside a Retry-After window `(at + grace, at + retryAfter - tolerance)`. */
function insideWindows(times: readonly number[], refusals: readonly Refusal[], graceMs: number): { inside: number; grace: number } {
  let inside = 0;
  let grace = 0;
  for (const t of times) {
    let early = false;
    let near = false;
    for (const r of refusals) {
      if (r.retryAfterMs === undefined || t <= r.at) continue;
      if (t >= r.at + r.retryAfterMs - WINDOW_TOLERANCE_MS) continue;
      if (t <= r.at + graceMs) near = true;
      else early = true;
    }
    if (early) inside += 1;
    else if (near) grace += 1;
  }
  return { inside, grace };
}

/**
 * Creates `customers` at every provider (raw requests, no limit), restarts the sandbox on its data file (zeroed stats, same
 * customers), sets the limit, then syncs them all again with `full` through an engine configured at
 * `configPerSecond`, and reads what the sandbox saw.
 */
export async function rateLimitedSync(ctx: BenchContext, options: RateRunOptions): Promise<RateRun> {
  const host = await startHost({ dataFile: join(ctx.tmpDir, `${options.name}-sandbox.json`) });
  const statePath = join(ctx.tmpDir, `${options.name}-state.db`);
  try {
    const all = (settings: ProviderSettings) =>
      Object.fromEntries(PROVIDER_IDS.map((id) => [id, settings])) as Record<ProviderId, ProviderSettings>;

    // Seed: every customer created at every provider (raw requests), ids and hashes recorded in the state.
    const seedStore = SqliteStateStore.open(statePath);
    const raw = new RawClient(32);
    const seedConfig = sandboxConfig(host.current, all({ perSecond: UNLIMITED, concurrency: 16, createMissing: true }));
    await seedEverywhere(raw, adaptersFor(seedConfig), validCustomers(options.customers), seedStore);
    raw.close();
    await seedStore.close();

    const info = await host.restart();
    for (const id of PROVIDER_IDS) await host.setRateLimit(id, options.sandboxLimit);
    await host.setLog(true);

    const store = SqliteStateStore.open(statePath);
    const config = sandboxConfig(info, all({ perSecond: options.configPerSecond, concurrency: options.concurrency, createMissing: true }));
    const engine = engineFor(config, store);
    const wire = new WireLog(engine);
    wire.start();
    await host.loopDelay();
    const loop = watchLoop();
    const started = performance.now();
    const { value: report } = await profiled(ctx, options.name, () => runSync({ engine, records: records(options.customers), full: true }));
    const wallSeconds = (performance.now() - started) / 1000;
    wire.stop();
    const clientLoop = loop.stop();
    const hostLoop = await host.loopDelay();
    await engine.close();

    const providers: ProviderRate[] = [];
    for (const provider of PROVIDER_IDS) {
      const stats = await host.stats(provider);
      const arrivals = await host.arrivals(provider);
      const refusals = await host.refusals(provider);
      const admitted = arrivals.length - stats.rateLimited;
      const span = (arrivals[arrivals.length - 1] ?? 0) - (arrivals[0] ?? 0);
      const achievedPerSecond = span > 0 ? ((admitted - 1) * 1000) / span : steadyRate(arrivals);
      const server = insideWindows(arrivals, refusals, IN_FLIGHT_GRACE_MS);
      const client = insideWindows(wire.starts.get(provider) ?? [], wire.pauses.get(provider) ?? [], 0);
      providers.push({
        provider,
        requests: stats.requests,
        refused: stats.rateLimited,
        achievedPerSecond: round(achievedPerSecond, 2),
        ratio: round(achievedPerSecond / options.sandboxLimit.perSecond),
        maxRatePerSecond: Math.max(stats.maxRatePerSecond, maxPerSecond(arrivals)),
        seconds: round(span / 1000, 2),
        stats,
        serverViolations: server.inside,
        inFlightAtRefusal: server.grace,
        clientViolations: client.inside,
      });
    }
    for (const id of PROVIDER_IDS) {
      const counts = report.providers[id];
      if (counts?.updated !== options.customers) ctx.log(`warning: ${id} outcome counts ${JSON.stringify(counts)}`);
    }
    return { providers, report, wallSeconds: round(wallSeconds, 2), loop: { client: clientLoop, host: hostLoop } };
  } finally {
    await host.close();
  }
}

export function reportSummary(report: SyncReport): Record<string, unknown> {
  return { records: report.records, providers: report.providers, failures: report.failures.slice(0, 5) };
}

const LIMIT = 50;

export const rateLimitScenario: Scenario = {
  name: 'rate-limit',
  title: 'Rate-limit fidelity: config perSecond = sandbox limit, 4 providers',
  async run(ctx): Promise<ScenarioResult> {
    const customers = ctx.quick ? 150 : 600;
    const run = await rateLimitedSync(ctx, {
      name: 'rate-limit',
      customers,
      sandboxLimit: { perSecond: LIMIT, disclose: true },
      configPerSecond: LIMIT,
      concurrency: 4,
    });
    const figures: Figure[] = run.providers.map((p) =>
      figure(
        `${p.provider} achieved ÷ limit`,
        p.ratio,
        'ratio',
        atLeast(0.95),
        `${p.achievedPerSecond} req/s over ${p.seconds} s vs ${LIMIT}/s; max in any 1 s window ${p.maxRatePerSecond}`,
      ),
    );
    const refused = run.providers.reduce((sum, p) => sum + p.refused, 0);
    figures.push(figure('429 answers, all providers', refused, '', atMost(0)));
    return {
      figures,
      details: { limitPerSecond: LIMIT, customers, wallSeconds: run.wallSeconds, eventLoopDelayMs: run.loop, providers: run.providers, report: reportSummary(run.report) },
    };
  },
};
