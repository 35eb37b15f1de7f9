/**
 * How fast to send to a provider whose real limit may be below the configured one (AIMD). A 429 means the
 * provider refused what we sent in about the last second, so the rate drops to a little under that count; with
 * no 429 for a while the rate climbs back in small steps, because the limit may have been a passing one. Without
 * this, each Retry-After pause is followed by the configured rate again, which runs straight into the limit again.
 *
 * Pure: time comes from the injected `now`, and the caller applies the returned rate.
 */
export interface AdaptiveTuning {
  /** Part of the requests sent in the second before a 429 that we keep sending per second afterwards. */
  margin: number;
  /**
   * The lowest part of the current rate one 429 can leave (a multiplicative bound, as TCP halves its window). A
   * 429 is weak evidence when little was sent (a scripted fault, a quota shared with other clients) or when other
   * processes share the limit and this one only saw its own share; without the bound such a 429 would drop the
   * rate to the floor, and the slow climb back would take minutes. A real limit far below the configured rate
   * is still reached, in a few 429s instead of one.
   */
  maxCut: number;
  /** Never slower than this (unless configured slower): a provider that refuses everything is still asked. */
  floorPerSecond: number;
  /** Without a 429 for this long (and since the last step), the rate goes up one step. */
  quietMs: number;
  /**
   * ... or for this many of the last 429's pauses, when that is longer. A step that finds the limit again costs
   * one pause (the provider then sends nothing), so with a long Retry-After the steps are spaced further apart:
   * probing costs at most about one pause in this many.
   */
  quietPauses: number;
  /** One step up, as a part of the configured rate. */
  step: number;
}

/**
 * Measured on bench/undisclosed-limit.ts (a 50/s limit, 100/s configured, Retry-After 1 s). The gate's own spacing
 * guard (0.5 ms per request planned) comes on top of `margin`, so 0.95 sends ~93 % of the refused second's count:
 * 48.45/s configured after the first 429 there, ~47/s on the wire. The limit itself (50) met 429s again on a
 * loaded machine. Steps: at 2 % of 100/s, one step (50.45) stays under the limit and the second finds it; a 5 % step
 * (53.45) is over it at once, a pause every quiet period. The quiet period trades that probing against recovery from a 429 that was not about the rate:
 * with random injected 429s (test/reliability/chaos.test.ts), 10 s made the run 2.5 times slower than without
 * adapting at all, 5 s about 1.6 times.
 */
export const DEFAULT_TUNING: AdaptiveTuning = {
  margin: 0.95,
  maxCut: 0.5,
  floorPerSecond: 1,
  quietMs: 5_000,
  quietPauses: 5,
  step: 0.02,
};

/** The provider limits we meet count requests in a sliding or fixed 1 s window. */
const WINDOW_MS = 1000;

export class AdaptiveRate {
  #perSecond: number;
  /** Start times, oldest first, from `#head` on; older ones are dropped now and then. */
  #starts: number[] = [];
  #head = 0;
  /** The last 429 or step up: the quiet period is counted from here. */
  #quietSince: number;
  #quietMs: number;
  /**
   * False from a 429 until the next request starts: the 429s that follow the first one came back for requests
   * already on the wire, so they are the same refusal, not a sign that the lowered rate is still too fast.
   */
  #sentSinceRefusal = true;

  constructor(
    readonly configured: number,
    private readonly now: () => number,
    private readonly tuning: AdaptiveTuning = DEFAULT_TUNING,
  ) {
    if (!(configured > 0)) throw new RangeError('configured rate must be > 0');
    this.#perSecond = configured;
    this.#quietSince = now();
    this.#quietMs = tuning.quietMs;
  }

  /** Requests per second to send at now. */
  get perSecond(): number {
    return this.#perSecond;
  }

  /**
   * A request is starting. Returns the raised rate when a quiet period has earned a step up, else `undefined`.
   * Checked here rather than on a timer so that only time spent sending counts: an idle provider tells us
   * nothing about its limit, and its rate stays where it was until it is used again.
   */
  started(): number | undefined {
    const at = this.now();
    this.#expire(at);
    this.#starts.push(at);
    this.#sentSinceRefusal = true;
    if (this.#perSecond >= this.configured || at - this.#quietSince < this.#quietMs) return undefined;
    this.#quietSince = at;
    this.#perSecond = this.#rounded(this.#perSecond + this.tuning.step * this.configured);
    return this.#perSecond;
  }

  /**
   * The provider answered 429 and holds requests for `pauseMs` (0 when none). Returns the lowered rate, or
   * `undefined` when it stays as it is.
   */
  refused(pauseMs = 0): number | undefined {
    const at = this.now();
    this.#quietSince = at;
    this.#quietMs = Math.max(this.tuning.quietMs, this.tuning.quietPauses * pauseMs);
    if (!this.#sentSinceRefusal) return undefined;
    this.#sentSinceRefusal = false;
    this.#expire(at);
    const sentInWindow = this.#starts.length - this.#head;
    const { margin, maxCut, floorPerSecond } = this.tuning;
    // The margin applies to the bounded estimate too: sending at exactly half the old rate may still be too fast.
    const estimate = margin * Math.max(sentInWindow, this.#perSecond * maxCut);
    const next = this.#rounded(Math.max(Math.min(floorPerSecond, this.configured), estimate));
    if (next >= this.#perSecond) return undefined;
    this.#perSecond = next;
    return next;
  }

  /**
   * Hundredths (readable in events, exact in tests), rounded down so a lowered rate never ends up above its
   * estimate, but not for a float's last bit (53 × 0.95 is 50.349999…). Below 1/s as it is, so a tiny configured
   * rate cannot round to 0; never above the configured rate.
   */
  #rounded(perSecond: number): number {
    if (perSecond >= this.configured) return this.configured;
    return perSecond >= 1 ? Math.floor(perSecond * 100 + 1e-6) / 100 : perSecond;
  }

  /** Forgets starts outside (at - 1 s, at]. */
  #expire(at: number): void {
    const starts = this.#starts;
    while (this.#head < starts.length && (starts[this.#head] ?? at) <= at - WINDOW_MS) this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > starts.length) {
      this.#starts = starts.slice(this.#head);
      this.#head = 0;
    }
  }
}
