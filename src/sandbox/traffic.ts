import type { FaultKind, RateLimit, SandboxStats } from './types.js';

const WINDOW_MS = 1000;

/** Counts events in a sliding 1 s window, (now - 1 s, now], and remembers the highest count seen. */
export class SlidingCounter {
  #times: number[] = [];
  #head = 0;
  max = 0;

  add(now: number): void {
    const times = this.#times;
    while (this.#head < times.length && (times[this.#head] ?? now) <= now - WINDOW_MS) this.#head += 1;
    times.push(now);
    const count = times.length - this.#head;
    if (count > this.max) this.max = count;
    // Drop the expired prefix now and then, so memory follows the rate, not the run's length.
    if (this.#head > 1024 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#head = 0;
    }
  }
}

export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * At most `perSecond` admissions in any sliding 1 s window: a ring of the last `perSecond` admission times.
 * A refused request does not count, so a client that keeps knocking is admitted again once the window frees a slot.
 */
export class RateLimiter {
  readonly #ring: Float64Array;
  #next = 0;
  #filled = 0;

  constructor(readonly limit: RateLimit) {
    if (!Number.isInteger(limit.perSecond) || limit.perSecond < 1) {
      throw new RangeError(`rate limit perSecond must be a positive integer, got ${limit.perSecond}`);
    }
    this.#ring = new Float64Array(limit.perSecond);
  }

  admit(now: number): Admission {
    const size = this.#ring.length;
    if (this.#filled < size) {
      this.#filled += 1;
    } else {
      const oldest = this.#ring[this.#next] ?? 0;
      if (oldest > now - WINDOW_MS) return { ok: false, retryAfterMs: oldest + WINDOW_MS - now };
    }
    this.#ring[this.#next] = now;
    this.#next = (this.#next + 1) % size;
    return { ok: true };
  }

  /** The `Retry-After` header of a refusal, or `undefined` when the limit does not disclose one. */
  retryAfter(retryAfterMs: number): string | undefined {
    const { retryAfterSeconds, disclose = retryAfterSeconds !== undefined } = this.limit;
    if (!disclose) return undefined;
    return String(retryAfterSeconds ?? Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }
}

/** The mutable counters behind `sandbox.stats(provider)`. */
export class TrafficStats {
  requests = 0;
  rateLimited = 0;
  readonly byStatus = new Map<number, number>();
  readonly faults = new Map<FaultKind, number>();
  readonly window = new SlidingCounter();

  received(now: number): void {
    this.requests += 1;
    this.window.add(now);
  }

  answered(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  faulted(kind: FaultKind): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  snapshot(): SandboxStats {
    return {
      requests: this.requests,
      byStatus: Object.fromEntries(this.byStatus),
      rateLimited: this.rateLimited,
      maxRatePerSecond: this.window.max,
      faults: Object.fromEntries(this.faults),
    };
  }
}
