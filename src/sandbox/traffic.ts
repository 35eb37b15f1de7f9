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
 * A provider's rate limit: a sliding window by default, a token bucket when `burst` is given. The clock is the
 * caller's (`admit(now)`, in ms), so the rule itself is exact and testable without real time.
 */
export class RateLimiter {
  readonly #rule: WindowRule | BucketRule;

  constructor(readonly limit: RateLimit) {
    const { perSecond, burst } = limit;
    if (burst === undefined) {
      if (!Number.isInteger(perSecond) || perSecond < 1) {
        throw new RangeError(`rate limit perSecond must be a positive integer, got ${perSecond}`);
      }
      this.#rule = new WindowRule(perSecond);
    } else {
      if (!(perSecond > 0 && Number.isFinite(perSecond))) throw new RangeError(`rate limit perSecond must be > 0, got ${perSecond}`);
      if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`rate limit burst must be a positive integer, got ${burst}`);
      this.#rule = new BucketRule(perSecond, burst);
    }
  }

  /** Admits a request arriving at `now` (ms, any monotonic clock) or says how long until one would be. */
  admit(now: number): Admission {
    return this.#rule.admit(now);
  }

  /** The `Retry-After` header of a refusal, or `undefined` when the limit does not disclose one. */
  retryAfter(retryAfterMs: number): string | undefined {
    const { retryAfterSeconds, disclose = retryAfterSeconds !== undefined } = this.limit;
    if (!disclose) return undefined;
    return String(retryAfterSeconds ?? Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }
}

/**
 * At most `perSecond` admissions in any sliding 1 s window: a ring of the last `perSecond` admission times.
 * A refused request does not count, so a client that keeps knocking is admitted again once the window frees a slot.
 */
class WindowRule {
  readonly #ring: Float64Array;
  #next = 0;
  #filled = 0;

  constructor(perSecond: number) {
    this.#ring = new Float64Array(perSecond);
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
}

/**
 * A token bucket: `burst` tokens, full at the start, refilled at `perSecond` tokens/s; a request takes one token or
 * is refused (and takes none). Up to `burst` requests may come together, then one every `1000 / perSecond` ms.
 */
class BucketRule {
  /** Tokens at `#at`. */
  #tokens: number;
  #at: number | undefined;
  readonly #msPerToken: number;

  constructor(
    perSecond: number,
    readonly burst: number,
  ) {
    this.#tokens = burst;
    this.#msPerToken = 1000 / perSecond;
  }

  admit(now: number): Admission {
    // A clock read twice in a row may not move, or (another caller's) may be a little behind: time never runs back.
    const elapsed = this.#at === undefined ? 0 : Math.max(0, now - this.#at);
    this.#at = this.#at === undefined ? now : Math.max(this.#at, now);
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed / this.#msPerToken);
    // A request exactly one spacing after the bucket ran dry finds a whole token, not 0.999… of one.
    if (this.#tokens >= 1 - TOKEN_EPSILON) {
      this.#tokens = Math.max(0, this.#tokens - 1);
      return { ok: true };
    }
    return { ok: false, retryAfterMs: (1 - this.#tokens) * this.#msPerToken };
  }
}

/** Floating-point slack when counting tokens: far below anything a clock in ms can tell apart. */
const TOKEN_EPSILON = 1e-9;

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
