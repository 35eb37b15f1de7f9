import type { DepartureClock, DepartureStore } from '../../src/pipeline/departures.js';

/**
 * A hand-driven clock for departures, whose timers can fire late as on a busy event loop: `lateness` says by how
 * much each new timer will be late, and `stall(ms)` blocks the "loop" (time passes, nothing runs; whatever fell due
 * runs afterwards, late, reading the late time).
 */
export class ManualClock implements DepartureClock {
  time = 0;
  /** How late (ms) the next timer fires; on time unless the test says otherwise. */
  lateness: () => number = () => 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  #seq = 0;

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): () => void {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.time + Math.max(0, ms) + this.lateness(), fn });
    return () => void this.#timers.delete(id);
  }

  /** The loop was busy for `ms`: time passes and nothing runs. */
  stall(ms: number): void {
    this.time += ms;
  }

  /** Runs the loop until `until`: every timer due by then, in time order, each with its promise reactions after it. */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= until && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fn();
    }
    this.time = Math.max(this.time, until);
    await settle();
  }

  get pending(): number {
    return this.#timers.size;
  }
}

/** Lets every promise reaction that is ready run (a few rounds, for chains). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/**
 * What Redis does for shared departures (shared-limits.ts), in memory on `clock`: the store's log is what the
 * provider would see, one entry per recorded departure. Each answer takes `rttMs` to come back.
 */
export class MemoryDepartureStore implements DepartureStore {
  last = Number.NEGATIVE_INFINITY;
  pausedUntil = Number.NEGATIVE_INFINITY;
  /** Every departure recorded, on the store's clock. */
  readonly departures: number[] = [];
  /** Departures recorded again by `left()`. */
  readonly relefts: number[] = [];

  constructor(
    private readonly clock: ManualClock,
    private readonly rttMs = 0,
  ) {}

  depart(spacingMs: number): Promise<number> {
    return this.#answer(() => {
      const now = this.clock.now();
      if (now < this.pausedUntil) return this.pausedUntil - now;
      if (now < this.last + spacingMs) return this.last + spacingMs - now;
      this.last = now;
      this.departures.push(now);
      return 0;
    });
  }

  left(): Promise<void> {
    return this.#answer(() => {
      const now = this.clock.now();
      this.relefts.push(now);
      if (now > this.last) this.last = now;
    });
  }

  /** The command reaches the store after half the round trip, and its answer comes back after the other half. */
  #answer<T>(run: () => T): Promise<T> {
    return new Promise((resolve) => {
      this.clock.after(this.rttMs / 2, () => {
        const result = run();
        this.clock.after(this.rttMs / 2, () => resolve(result));
      });
    });
  }
}

/** The most events in any sliding window (t - windowMs, t]. */
export function maxInWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let head = 0;
  for (const [i, t] of sorted.entries()) {
    while ((sorted[head] ?? t) <= t - windowMs) head += 1;
    most = Math.max(most, i - head + 1);
  }
  return most;
}

/** The shortest time between two consecutive events. */
export function minGap(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return Math.min(...sorted.slice(1).map((t, i) => t - (sorted[i] ?? t)));
}

/** A small seeded generator (mulberry32), so a "random" schedule is the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
