import Bottleneck from 'bottleneck';
import { AdaptiveRate } from './adaptive-rate.js';
import { withoutTimerFloor } from './bottleneck-yield.js';

export interface GateOptions {
  /**
   * Steady request rate; requests are spaced `1000 / perSecond` ms apart, never sent in bursts. A 429 lowers it
   * for a while (see AdaptiveRate); it never goes above this.
   */
  perSecond: number;
  /** Requests on the wire at the same time. */
  concurrency: number;
  /** Share this limit (and its 429 pauses) with every process using the same id, through Redis. */
  shared?: { connection: Bottleneck.IORedisConnection; id: string } | undefined;
  /** Called with the new rate whenever a 429 lowers it or a quiet period raises it back toward `perSecond`. */
  onRateAdjusted?: ((perSecond: number) => void) | undefined;
}

/**
 * A Retry-After pause in a shared limiter: the reservoir drops to 0 and Redis itself refills it when the pause
 * is over, so a process that dies mid-pause cannot leave the provider paused for everyone.
 */
const UNLIMITED = 1_000_000_000;

/**
 * Requests leave this process `minTime` apart but reach the provider a few ms early or late (event loop, other
 * processes sharing the limit). 3 % more spacing (30 ms over a second) keeps them under the provider's sliding
 * window at the cost of 3 % of the rate.
 */
const SPACING_MARGIN = 1.03;

/**
 * Shared through Redis, the spacing is decided on Redis's clock but each process sends on its own timer, and on a
 * busy machine those slip by tens of ms: two processes can send almost together. 8 % (80 ms over a second) keeps
 * the provider's sliding window under its limit (measured: 3 workers at 50/s never above 50).
 */
const SHARED_SPACING_MARGIN = 1.08;

export interface GateClock {
  /** @default Date.now */
  now?: () => number;
  /**
   * Waits out a pause. Injected by tests so a long Retry-After costs no real time; the default is a
   * cancellable, unref'd timer.
   */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Bottleneck's `updateSettings` is async (its types say otherwise): a rejection here only means the Redis
 * connection closed, which the next scheduled job reports; it must not become an unhandled rejection.
 */
function quietly(result: unknown): void {
  Promise.resolve(result).catch(() => {});
}

/** The gate was stopped: the job was dropped before it was started. */
export class GateStoppedError extends Error {
  override name = 'GateStoppedError' as const;
  constructor() {
    super('the provider pipeline was closed before the request was sent');
  }
}

const PAUSED: unique symbol = Symbol('paused');
const NORMAL_PRIORITY = 5;
const REQUEUED_PRIORITY = 0;

/** Every request to one provider passes here: one Bottleneck per provider, plus a provider-wide pause. */
export class ProviderGate {
  private readonly limiter: Bottleneck;
  private readonly rate: AdaptiveRate;
  private readonly onRateAdjusted: ((perSecond: number) => void) | undefined;
  private readonly now: () => number;
  private readonly injectedSleep: ((ms: number) => Promise<void>) | undefined;
  private paused = false;
  private pauseEnd = 0;
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly shared: boolean;

  constructor(options: GateOptions, clock: GateClock = {}) {
    if (!(options.perSecond > 0) || !(options.concurrency >= 1)) {
      throw new RangeError('perSecond must be > 0 and concurrency >= 1');
    }
    this.shared = options.shared !== undefined;
    const limits = { maxConcurrent: Math.floor(options.concurrency), minTime: this.minTime(options.perSecond) };
    this.limiter = options.shared
      ? new Bottleneck({
          ...limits,
          id: options.shared.id,
          datastore: 'ioredis',
          connection: options.shared.connection,
          // The settings of the newest process win, so a changed config takes effect at once.
          clearDatastore: false,
          // A process killed mid-request gives its slot back after this long (Bottleneck's heartbeat).
          timeout: 120_000,
        })
      : new Bottleneck(limits);
    // Not awaited (a constructor); a failure only means Redis is gone, which every scheduled job will report.
    if (options.shared) quietly(this.limiter.updateSettings(limits));
    else withoutTimerFloor(this.limiter);
    this.now = clock.now ?? Date.now;
    this.injectedSleep = clock.sleep;
    this.rate = new AdaptiveRate(options.perSecond, this.now);
    this.onRateAdjusted = options.onRateAdjusted;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** The rate requests are spaced at now: `perSecond`, or lower after a 429. */
  get perSecond(): number {
    return this.rate.perSecond;
  }

  /** Runs `fn` when the limiter allows it and the provider is not paused. */
  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    let priority = NORMAL_PRIORITY;
    for (;;) {
      if (this.stopped) throw new GateStoppedError();
      let result: T | typeof PAUSED;
      try {
        // Bottleneck admits a job (and takes its minTime slot) before running it, so a job admitted just
        // before a pause could otherwise start inside the pause. Such a job hands its slot back and queues
        // again, ahead of newer jobs.
        result = await this.limiter.schedule<T | typeof PAUSED>({ priority }, () => {
          if (this.paused) return Promise.resolve(PAUSED);
          this.adjust(this.rate.started());
          return fn();
        });
      } catch (error) {
        if (error instanceof Bottleneck.BottleneckError && this.stopped) throw new GateStoppedError();
        throw error;
      }
      if (result !== PAUSED) return result;
      priority = REQUEUED_PRIORITY;
    }
  }

  /**
   * Holds every request to the provider for `ms`, including jobs queued later. A longer pause extends the
   * current one; a shorter one never shortens it.
   */
  pauseFor(ms: number): void {
    if (this.stopped || !(ms > 0)) return;
    const until = this.now() + ms;
    if (this.paused && until <= this.pauseEnd) return;
    this.pauseEnd = until;
    const generation = ++this.generation;
    if (this.shared) {
      quietly(this.limiter.updateSettings({ reservoir: 0, reservoirRefreshInterval: ms, reservoirRefreshAmount: UNLIMITED }));
    } else if (!this.paused) {
      // reservoir 0: Bottleneck admits nothing until it is restored.
      this.limiter.updateSettings({ reservoir: 0 });
    }
    this.paused = true;
    void this.wait(ms).then(() => {
      if (generation === this.generation && !this.stopped) this.resume();
    });
  }

  /**
   * The provider refused a request for its rate (429): from now on requests are spaced for a little less than it
   * admitted in the last second. `pauseMs` is the pause this 429 costs (0 if none), which `pauseFor` applies:
   * the longer it is, the more rarely the rate is raised back toward `perSecond`.
   */
  slowDown(pauseMs = 0): void {
    if (!this.stopped) this.adjust(this.rate.refused(pauseMs));
  }

  /** Drops queued jobs, waits for running ones and clears the pause timer. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.paused = false;
    this.clearTimer();
    await this.limiter.stop({ dropWaitingJobs: true });
    // A shared limiter's connection belongs to SharedLimits, which closes it once for every provider.
    if (!this.shared) await this.limiter.disconnect();
  }

  private adjust(perSecond: number | undefined): void {
    if (perSecond === undefined) return;
    // Shared: written to Redis, so every process sharing the limit adopts the new spacing (last writer wins).
    quietly(this.limiter.updateSettings({ minTime: this.minTime(perSecond) }));
    this.onRateAdjusted?.(perSecond);
  }

  private minTime(perSecond: number): number {
    const spacing = (1000 / perSecond) * (this.shared ? SHARED_SPACING_MARGIN : SPACING_MARGIN);
    // Bottleneck's Redis scripts want whole ms; the local store takes fractions, so 10,000/s stays 10,000/s.
    return this.shared ? Math.ceil(spacing) : spacing;
  }

  private resume(): void {
    this.paused = false;
    this.clearTimer();
    if (!this.shared) this.limiter.updateSettings({ reservoir: null });
  }

  private wait(ms: number): Promise<void> {
    if (this.injectedSleep) return this.injectedSleep(ms);
    this.clearTimer();
    return new Promise((resolve) => {
      // unref: a pause alone must not keep the process alive; the request that met the 429 waits with a
      // ref'd timer of the same length.
      this.timer = setTimeout(resolve, ms).unref();
    });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
