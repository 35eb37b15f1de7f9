/**
 * The last check before a request leaves: no request leaves sooner than `spacingMs` after the one before it, measured
 * at the moment it actually leaves. Bottleneck plans the spacing ahead (`minTime`), but on timers: a timer that fires
 * late (a busy event loop, a GC pause, a starved process) starts its job late while the next job's timer still fires
 * on time, and after a long stall every job that was due starts at once. Neither can get past this check: the time is
 * read as a request is let go, synchronously with letting it go, and the next one waits for that time plus the
 * spacing. A late turn only ever makes a gap longer; time lost to a stall is not caught up.
 *
 * With `spacingMs` ≥ `1000 / perSecond`, there are at most `perSecond` departures in any sliding 1 s window, and a token
 * bucket of that rate never runs dry, whatever its burst (1 included). The guard on top (provider-gate.ts) is for what
 * happens between here and the provider.
 */

/** A request is let go by returning anything but this from `leave`. */
export const HELD: unique symbol = Symbol('held');
export type Held = typeof HELD;

/** The clock departures are measured and waited on. */
export interface DepartureClock {
  /** Milliseconds on a monotonic clock, with sub-millisecond precision. */
  now(): number;
  /** Calls `fn` once, after about `ms`; it may come early or late (the time is read again). Returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

/**
 * Below this much left to wait, `REAL_CLOCK` waits on `setImmediate` turns instead of a timer. A timer of less than
 * 1 ms is a 1 ms timer, so a departure that has 0.2 ms left would leave 0.8 ms late, and at 50/s that is 4 % of the
 * rate; the turns cost at most this much CPU instead. Measured on the rate-limit benchmark (4 providers at 50/s):
 * threshold 0 (timers only) 0.951-0.957 of the limit, 0.5 ms 0.965-0.976, 1.5 ms no better and 5 times the turns.
 */
const SHORT_WAIT_MS = 0.5;

/** `performance.now()`; timers, and event-loop turns for what is left under `SHORT_WAIT_MS`. */
export const REAL_CLOCK: DepartureClock = {
  now: () => performance.now(),
  after(ms, fn) {
    if (ms >= SHORT_WAIT_MS) {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    }
    const immediate = setImmediate(fn);
    return () => clearImmediate(immediate);
  },
};

/**
 * A request whose start (from the time check to `leave` returning: building it, handing it to axios) took longer than
 * this was held up in between (a GC, the process descheduled): it counts as leaving when its start ended, so the
 * next request waits from there. Normal starts take 0.4 ms (p50) to 0.6 ms (p90) on the benchmark; 2.7 ms at p99.
 */
export const STALL_MS = 2;

interface Waiter {
  leave: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** What both the in-process and the shared (Redis) departure checks offer the gate. */
export interface DepartureCheck {
  /** Milliseconds at least between two departures; a change applies from the next one. */
  spacingMs: number;
  /**
   * Waits for this caller's turn (first come, first served) and for the spacing, then calls `leave` synchronously with
   * the time check. `leave` returns `HELD` to give its turn up without sending (the spacing then still counts from the
   * departure before it); anything else (a promise of the request's outcome) counts as a departure at that moment.
   */
  next<T>(leave: () => Promise<T> | Held): Promise<T | Held>;
  /** Every waiting caller, and every later one, gets `HELD` at once, without `leave` being called. */
  close(): void;
}

/** Queues callers and lets them go one at a time; subclasses say when the head may leave. */
abstract class Queue {
  readonly #waiters: Waiter[] = [];
  protected closed = false;

  next<T>(leave: () => Promise<T> | Held): Promise<T | Held> {
    if (this.closed) return Promise.resolve(HELD);
    return new Promise<T | Held>((resolve, reject) => {
      this.#waiters.push({ leave, resolve: resolve as (value: unknown) => void, reject });
      this.wake();
    });
  }

  close(): void {
    this.closed = true;
    this.stopWaiting();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(HELD);
  }

  protected get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  /** Lets the head go now; returns whether it sent a request (false: it gave its turn up). */
  protected release(): boolean {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return false;
    let outcome: unknown;
    try {
      outcome = waiter.leave();
    } catch (error) {
      // It may have sent something before it threw: count it as a departure.
      waiter.reject(error);
      return true;
    }
    waiter.resolve(outcome);
    return outcome !== HELD;
  }

  /** The head fails with `error`, without being let go. */
  protected rejectHead(error: unknown): void {
    this.#waiters.shift()?.reject(error);
  }

  /** A caller joined: start letting the queue go if that is not under way. */
  protected abstract wake(): void;
  /** Cancels a wait under way. */
  protected abstract stopWaiting(): void;
}

/** The departure check of one process: its requests to one provider. */
export class Departures extends Queue implements DepartureCheck {
  /** When the last request left, on `clock`. */
  #last = Number.NEGATIVE_INFINITY;
  #spacingMs: number;
  #cancel: (() => void) | undefined;
  #releasing = false;

  constructor(
    spacingMs: number,
    private readonly clock: DepartureClock = REAL_CLOCK,
  ) {
    super();
    this.#spacingMs = spacingMs;
  }

  get spacingMs(): number {
    return this.#spacingMs;
  }

  set spacingMs(ms: number) {
    this.#spacingMs = ms;
    // A wait under way was for the old spacing: measure again.
    if (this.#cancel !== undefined) {
      this.stopWaiting();
      this.wake();
    }
  }

  protected wake(): void {
    if (this.#cancel !== undefined || this.#releasing) return;
    this.#releasing = true;
    try {
      while (this.waiting && !this.closed) {
        const now = this.clock.now();
        const due = this.#last + this.#spacingMs;
        if (now < due) {
          this.#cancel = this.clock.after(due - now, () => {
            this.#cancel = undefined;
            this.wake();
          });
          return;
        }
        if (!this.release()) continue;
        const started = this.clock.now();
        this.#last = started - now > STALL_MS ? started : now;
      }
    } finally {
      this.#releasing = false;
    }
  }

  protected stopWaiting(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }
}

/**
 * Where processes that share a limit record their departures, on the store's own clock, atomically.
 */
export interface DepartureStore {
  /**
   * Records a departure now and returns 0 if the last one (by any process) was at least `spacingMs` ago and no pause
   * is on; otherwise records nothing and returns how long (ms) until one may leave.
   */
  depart(spacingMs: number): Promise<number>;
  /** Records a departure now, if that is later than the one on record. */
  left(): Promise<void>;
}

/**
 * The departure check of several processes sharing one limit: the store (Redis) decides, so two processes cannot both
 * leave within the spacing. Only the head of this process's queue asks the store; the request leaves in the same turn
 * of the event loop as the store's answer arrives. One that was held up between asking and leaving (a loaded machine
 * delays the answer's delivery, or the process) records its departure again once it has left, so every process's next
 * request waits from then.
 */
export class SharedDepartures extends Queue implements DepartureCheck {
  #running = false;
  #cancel: (() => void) | undefined;

  constructor(
    public spacingMs: number,
    private readonly store: DepartureStore,
    private readonly clock: DepartureClock = REAL_CLOCK,
  ) {
    super();
  }

  protected wake(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#run().finally(() => {
      this.#running = false;
      if (this.waiting && !this.closed) this.wake();
    });
  }

  protected stopWaiting(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  async #run(): Promise<void> {
    while (this.waiting && !this.closed) {
      const asked = this.clock.now();
      let waitMs: number;
      try {
        waitMs = await this.store.depart(this.spacingMs);
      } catch (error) {
        // The store is out of reach (its client already waits out short blips): the head fails, the next one asks again.
        this.rejectHead(error);
        continue;
      }
      if (this.closed) return;
      if (waitMs > 0) {
        await this.#sleep(waitMs);
        continue;
      }
      // Recorded as a departure by the store: leave now, before anything else runs. One that gives its turn up leaves
      // a departure on record that never happened, which only makes the next one wait a little longer.
      if (this.release() && this.clock.now() - asked > STALL_MS) void this.store.left().catch(() => {});
    }
  }

  /** Waits `ms` on the clock; `close()` ends the wait at once. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = this.clock.now() + ms;
      const check = (): void => {
        const left = end - this.clock.now();
        if (left <= 0) {
          this.#cancel = undefined;
          resolve();
          return;
        }
        const cancel = this.clock.after(left, check);
        this.#cancel = () => {
          cancel();
          resolve();
        };
      };
      check();
    });
  }
}
