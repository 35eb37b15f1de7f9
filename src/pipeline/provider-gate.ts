import Bottleneck from 'bottleneck';
import { AdaptiveRate } from './adaptive-rate.js';
import { tuneLocalLimiter } from './bottleneck-tuning.js';
import { Departures, HELD, REAL_CLOCK, SharedDepartures, type DepartureCheck, type DepartureClock } from './departures.js';
import { departureStore, type SharedDepartureStore } from './shared-limits.js';

export interface GateOptions {
  /**
   * Steady request rate; requests leave at least `1000 / perSecond` ms apart (plus a guard), never in bursts. A 429
   * lowers it for a while (see AdaptiveRate); it never goes above this.
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
 * The spacing margin, in time, not as a share of the rate. Bottleneck plans requests `1000 / perSecond` ms plus
 * `PLANNED_GUARD_MS` apart (its `minTime`), and none leaves sooner than `1000 / perSecond` ms plus `GUARD_MS` after
 * the one before it, measured as it actually leaves (departures.ts): a late timer or a busy event loop can only make a
 * gap longer, never two requests closer. The guard is for what comes after that moment (the request is written, and
 * crosses to the provider); a provider counting in a sliding second sees `perSecond` guards of slack in any window
 * (10 ms at 40/s) at the least, and `perSecond` planned guards (20 ms at 40/s) as a rule. The 0.25 ms between the two
 * lets the requests after a late one go on plan again: without it every ms a timer fires late (and a wait overshoots)
 * is lost for good, which cost ~1.5 % of the rate at 50/s (bench rate-limit: 0.96 instead of 0.97).
 *
 * Above 60/s the planned guard is 3 % of the spacing instead, whichever is smaller (and the guard half of it): a fixed
 * 0.5 ms would cap 10,000/s at 1,667/s.
 */
const PLANNED_GUARD_MS = 0.5;
/** Node's timers, and the clock Bottleneck's local store plans on, count whole milliseconds. */
const TIMER_RESOLUTION_MS = 1;
const GUARD_MS = 0.25;
const MAX_GUARD_SHARE = 0.03;

/**
 * Shared through Redis, the departure check is made by Redis, on its clock, and the request leaves when its answer
 * reaches the process: one more hop, which a loaded machine can delay by a few ms (a process held up for longer
 * records its departure again, see departures.ts). Bottleneck's Redis scripts plan in whole ms, so its `minTime` is
 * the guarded spacing rounded up (22 ms at 50/s, 52 ms at 20/s).
 */
const SHARED_GUARD_MS = 1.5;
const SHARED_MAX_GUARD_SHARE = 0.08;

export interface GateClock {
  /** @default Date.now */
  now?: () => number;
  /**
   * Waits out a pause. Injected by tests so a long Retry-After costs no real time; the default is a
   * cancellable, unref'd timer.
   */
  sleep?: (ms: number) => Promise<void>;
  /** What departures are measured and waited on. @default `performance.now()` and timers (departures.ts) */
  departures?: DepartureClock;
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

const NORMAL_PRIORITY = 5;
const REQUEUED_PRIORITY = 0;

/** Every request to one provider passes here: one Bottleneck per provider, plus a provider-wide pause. */
export class ProviderGate {
  private readonly limiter: Bottleneck;
  private readonly departures: DepartureCheck;
  private readonly store: SharedDepartureStore | undefined;
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
    else tuneLocalLimiter(this.limiter);
    const departureClock = clock.departures ?? REAL_CLOCK;
    const spacing = this.spacing(options.perSecond);
    this.store = options.shared ? departureStore(options.shared.connection, options.shared.id) : undefined;
    this.departures = this.store ? new SharedDepartures(spacing, this.store, departureClock) : new Departures(spacing, departureClock);
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

  /**
   * Runs `fn` when the limiter allows it, the provider is not paused, and the spacing since the last request that
   * left has passed, measured as this one leaves.
   */
  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    let priority = NORMAL_PRIORITY;
    for (;;) {
      if (this.stopped) throw new GateStoppedError();
      let result: T | typeof HELD;
      try {
        // Bottleneck admits a job (and takes its minTime slot) before running it, so a job admitted just
        // before a pause could otherwise start inside the pause. Such a job hands its slot back and queues
        // again, ahead of newer jobs. The departure check comes last, and the pause is checked with it.
        result = await this.limiter.schedule<T | typeof HELD>({ priority }, () =>
          this.departures.next(() => {
            if (this.paused || this.stopped) return HELD;
            this.adjust(this.rate.started());
            return fn();
          }),
        );
      } catch (error) {
        if (error instanceof Bottleneck.BottleneckError && this.stopped) throw new GateStoppedError();
        throw error;
      }
      if (result !== HELD) return result;
      if (this.stopped) throw new GateStoppedError();
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
      // Jobs other processes admitted before the pause wait at their departure check until it is over.
      if (this.store) quietly(this.store.pause(ms));
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
    // Jobs waiting to leave are refused now, so the limiter's stop (which waits for running jobs) does not wait for them.
    this.departures.close();
    await this.limiter.stop({ dropWaitingJobs: true });
    // A shared limiter's connection belongs to SharedLimits, which closes it once for every provider.
    if (!this.shared) await this.limiter.disconnect();
  }

  private adjust(perSecond: number | undefined): void {
    if (perSecond === undefined) return;
    this.departures.spacingMs = this.spacing(perSecond);
    // Shared: written to Redis, so every process sharing the limit adopts the new spacing (last writer wins).
    quietly(this.limiter.updateSettings({ minTime: this.minTime(perSecond) }));
    this.onRateAdjusted?.(perSecond);
  }

  /** The least time between two departures: `1000 / perSecond` and the guard. */
  private spacing(perSecond: number): number {
    const base = 1000 / perSecond;
    if (this.shared) return base + Math.min(SHARED_GUARD_MS, base * SHARED_MAX_GUARD_SHARE);
    return base + Math.min(PLANNED_GUARD_MS, base * MAX_GUARD_SHARE) * (GUARD_MS / PLANNED_GUARD_MS);
  }

  /**
   * Bottleneck's plan, a little wider; its Redis scripts want whole ms, the local store takes fractions. A plan under
   * `TIMER_RESOLUTION_MS` (above ~970/s) is none: the local store plans on `Date.now()` and starts a planned job on a
   * timer, both in whole ms, so every job admitted within a ms of the one before took a timer of its own and they all
   * left together when it fired, for the departure check to spread them out again on event-loop turns. There the
   * departure check alone spaces them, as precisely, without the timers.
   */
  private minTime(perSecond: number): number {
    const base = 1000 / perSecond;
    if (this.shared) return Math.ceil(this.spacing(perSecond));
    const planned = base + Math.min(PLANNED_GUARD_MS, base * MAX_GUARD_SHARE);
    return planned < TIMER_RESOLUTION_MS ? 0 : planned;
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
