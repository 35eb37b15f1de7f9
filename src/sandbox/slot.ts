import type { Emulation } from './emulation.js';
import { FaultPlan } from './faults.js';
import { compileRoutes, type CompiledRoute } from './router.js';
import { RateLimiter, TrafficStats } from './traffic.js';
import type { Faults, LoggedRequest, RateLimit } from './types.js';

export interface SlotSettings {
  faults: Faults | undefined;
  rateLimit: RateLimit | undefined;
  latencyMs: number;
}

/** Everything the sandbox holds for one provider: its emulation, traffic counters, faults, limit and log. */
export class ProviderSlot {
  /** Path segments below the provider's prefix that its base path takes, e.g. `['api', 'v1']`. */
  readonly baseSegments: readonly string[];
  emulation!: Emulation;
  routes!: CompiledRoute[];
  stats!: TrafficStats;
  faults: FaultPlan | undefined;
  limiter: RateLimiter | undefined;
  latencyMs = 0;
  log: LoggedRequest[] = [];
  logging = false;
  /** Called after a request that may have changed what the emulation keeps (the data file's save is due). */
  changed: () => void = () => undefined;

  constructor(
    readonly id: string,
    /** Where the provider's API starts below its prefix, `''` or `/a/b`. */
    readonly basePath: string,
    private readonly createEmulation: () => Emulation,
    private readonly initial: SlotSettings,
  ) {
    this.baseSegments = basePath.split('/').slice(1);
    this.reset();
  }

  /** A fresh emulation (no customers, tokens or keys), zeroed stats, an empty log, the initial settings. */
  reset(): void {
    this.emulation = this.createEmulation();
    this.routes = compileRoutes(this.emulation.routes);
    this.stats = new TrafficStats();
    this.log = [];
    this.setFaults(this.initial.faults);
    this.setRateLimit(this.initial.rateLimit);
    this.setLatency(this.initial.latencyMs);
  }

  setFaults(faults: Faults | undefined): void {
    this.faults = faults === undefined ? undefined : new FaultPlan(faults);
  }

  setRateLimit(limit: RateLimit | undefined): void {
    this.limiter = limit === undefined ? undefined : new RateLimiter(limit);
  }

  setLatency(latencyMs: number): void {
    if (!(latencyMs >= 0 && Number.isFinite(latencyMs)))
      throw new RangeError(`latencyMs must be >= 0, got ${latencyMs}`);
    this.latencyMs = latencyMs;
  }
}
