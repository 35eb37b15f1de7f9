import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DepartureClock } from '../../src/pipeline/departures.js';
import { GateStoppedError, ProviderGate } from '../../src/pipeline/provider-gate.js';
import { maxInWindow, minGap, seeded } from './spacing-helpers.js';

const gates: ProviderGate[] = [];
function gate(...args: ConstructorParameters<typeof ProviderGate>): ProviderGate {
  const made = new ProviderGate(...args);
  gates.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(gates.splice(0).map((g) => g.stop()));
});

/** A gate on vitest's fake timers: stopped at the end of its test while fake time still runs. */
async function withFakeTimers(test: (gate: (options: ConstructorParameters<typeof ProviderGate>[0]) => ProviderGate) => Promise<void>): Promise<void> {
  vi.useFakeTimers();
  const made: ProviderGate[] = [];
  try {
    await test((options) => {
      const g = new ProviderGate(options, { departures: FAKE_DEPARTURES });
      made.push(g);
      return g;
    });
  } finally {
    try {
      const stopped = Promise.all(made.map((g) => g.stop()));
      await vi.advanceTimersByTimeAsync(1_000);
      await stopped;
    } finally {
      vi.useRealTimers();
    }
  }
}

/**
 * Departures on vitest's fake clock: `performance.now()` and `setTimeout`, whole ms as Node's timers are (the real
 * clock's sub-ms `setImmediate` turns would never see fake time move).
 */
const FAKE_DEPARTURES: DepartureClock = {
  now: () => performance.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, Math.max(1, Math.ceil(ms)));
    return () => clearTimeout(timer);
  },
};

/**
 * Blocks the fake event loop for `ms`: time passes and nothing runs, then every timer that fell due fires at once,
 * late, reading the late time (@sinonjs/fake-timers' `jump`, on the clock vitest installed).
 */
function stallLoop(ms: number): void {
  const clock = (globalThis.setTimeout as unknown as { clock?: { jump?: (ms: number) => void } }).clock;
  if (typeof clock?.jump !== 'function') throw new Error('stallLoop needs vi.useFakeTimers()');
  clock.jump(ms);
}

/** The gaps between consecutive times. */
const gapsOf = (times: readonly number[]) => times.slice(1).map((at, i) => at - (times[i] ?? at));

/** A sleep the test ends by hand, to drive pauses without real time. */
function manualSleep() {
  const calls: { ms: number; end: () => void }[] = [];
  const sleep = (ms: number) => new Promise<void>((resolve) => calls.push({ ms, end: resolve }));
  return { calls, sleep };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('ProviderGate', () => {
  it("waits on no 1 ms timer at any step of a job: submit, register, start and free", async () => {
    const g = gate({ perSecond: 10_000, concurrency: 4 });
    await g.schedule(async () => 'warm');
    await new Promise((resolve) => setImmediate(resolve));
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      await expect(g.schedule(async () => 'done')).resolves.toBe('done');
      // Bottleneck frees the slot after the job's promise settles: let that step run too.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      const shortTimers = timers.mock.calls.filter(([, ms]) => (ms ?? 0) <= 1);
      expect(shortTimers).toHaveLength(0);
    } finally {
      timers.mockRestore();
    }
  });

  it('above 1,000/s, jobs admitted together take no timer each, and still leave a whole spacing apart', async () => {
    // Departure time that moves only while the gate waits for it: each gap is exactly what the gate waited.
    let time = 0;
    const waited: DepartureClock = {
      now: () => time,
      after(ms, fn) {
        const turn = setImmediate(() => {
          time += ms;
          fn();
        });
        return () => clearImmediate(turn);
      },
    };
    const g = gate({ perSecond: 10_000, concurrency: 8 }, { departures: waited });
    await g.schedule(async () => 'warm');
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const left: number[] = [];
    try {
      await Promise.all(Array.from({ length: 8 }, () => g.schedule(async () => void left.push(time))));
      const shortTimers = timers.mock.calls.filter(([, ms]) => (ms ?? 0) <= 1);
      expect(shortTimers).toHaveLength(0);
    } finally {
      timers.mockRestore();
    }
    expect(left).toHaveLength(8);
    // 0.1 ms and the guard (3 % of the spacing, and half of it at the check): 0.1015 ms.
    for (const gap of gapsOf(left)) expect(gap).toBeGreaterThanOrEqual(0.1);
  });

  it('spaces requests evenly at perSecond instead of bursting', () =>
    withFakeTimers(async (gate) => {
      const g = gate({ perSecond: 20, concurrency: 10 });
      const starts: number[] = [];
      const done = Promise.all([1, 2, 3, 4, 5].map(() => g.schedule(async () => void starts.push(performance.now()))));
      await vi.advanceTimersByTimeAsync(1_000);
      await done;
      // 50 ms and the 0.25 ms guard at the least (Bottleneck plans 50.5 ms), to within the fake timers' whole ms.
      for (const gap of gapsOf(starts)) expect(gap).toBeGreaterThanOrEqual(50.25);
      for (const gap of gapsOf(starts)) expect(gap).toBeLessThanOrEqual(52);
    }));

  it('at 40/s with the event loop stalled now and then, no two requests leave closer than 25 ms and no second holds more than 40', () =>
    withFakeTimers(async (gate) => {
      const g = gate({ perSecond: 40, concurrency: 4 });
      const random = seeded(3);
      const starts: number[] = [];
      const COUNT = 300;
      const jobs = Array.from({ length: COUNT }, () =>
        g.schedule(async () => {
          starts.push(performance.now());
          // The provider answers in 1-10 ms.
          await new Promise((resolve) => setTimeout(resolve, 1 + random() * 9));
        }),
      );
      let stalls = 0;
      while (starts.length < COUNT) {
        await vi.advanceTimersByTimeAsync(random() * 40);
        // A busy loop (a GC, a long synchronous task, the process descheduled) for up to 150 ms: Bottleneck's
        // timers for the next jobs fall due in it and fire together afterwards.
        if (random() < 0.2) {
          stallLoop(random() * 150);
          stalls += 1;
        }
      }
      await vi.advanceTimersByTimeAsync(100);
      await Promise.all(jobs);
      expect(stalls).toBeGreaterThan(20);
      expect(minGap(starts)).toBeGreaterThanOrEqual(25.25);
      expect(maxInWindow(starts)).toBeLessThanOrEqual(40);
    }));

  it('jobs whose start times fell due in a stall leave one spacing apart after it, not together', () =>
    withFakeTimers(async (gate) => {
      const g = gate({ perSecond: 40, concurrency: 4 });
      const starts: number[] = [];
      const jobs = Array.from({ length: 8 }, () => g.schedule(async () => void starts.push(performance.now())));
      // The first leaves at once and Bottleneck plans the next three (25.5, 51, 76.5 ms later); then the loop is blocked.
      await vi.advanceTimersByTimeAsync(5);
      expect(starts).toHaveLength(1);
      stallLoop(100);
      await vi.advanceTimersByTimeAsync(400);
      await Promise.all(jobs);
      expect(starts[1]).toBeGreaterThanOrEqual(100);
      expect(minGap(starts)).toBeGreaterThanOrEqual(25.25);
    }));

  it('after a 429, spaces requests at the lowered rate', () =>
    withFakeTimers(async (gate) => {
      const adjusted: number[] = [];
      const g = gate({ perSecond: 10, concurrency: 4, onRateAdjusted: (r) => adjusted.push(r) });
      const first = g.schedule(async () => 'refused');
      await vi.advanceTimersByTimeAsync(5);
      await first;
      g.slowDown();
      // One request in the last second: the bound, half of 10/s, less the 5 % margin.
      expect(g.perSecond).toBe(4.75);
      expect(adjusted).toEqual([4.75]);

      const starts: number[] = [];
      const done = Promise.all([1, 2, 3, 4].map(() => g.schedule(async () => void starts.push(performance.now()))));
      await vi.advanceTimersByTimeAsync(2_000);
      await done;
      // 1000 / 4.75 + 0.25 ≈ 210.8 ms apart at the least, where 10/s was 100.25.
      for (const gap of gapsOf(starts)) expect(gap).toBeGreaterThanOrEqual(210.7);
      expect(adjusted).toEqual([4.75]);
    }));

  it('a job waiting for its departure when a pause starts does not leave until the pause is over', () =>
    withFakeTimers(async (gate) => {
      const g = gate({ perSecond: 2, concurrency: 4 });
      const starts: number[] = [];
      const first = g.schedule(async () => void starts.push(performance.now()));
      await vi.advanceTimersByTimeAsync(5);
      await first;
      // Bottleneck plans the second 500.5 ms after the first; a 429 then slows the rate (0.95/s: 1,053 ms), so the
      // second waits at its departure, and a pause of 3 s starts while it does.
      const second = g.schedule(async () => void starts.push(performance.now()));
      g.slowDown();
      await vi.advanceTimersByTimeAsync(700);
      expect(starts).toHaveLength(1);
      g.pauseFor(3_000);
      await vi.advanceTimersByTimeAsync(5_000);
      await second;
      expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(3_700);
    }));

  it('stop() refuses a job waiting for its departure at once, without waiting out its spacing', () =>
    withFakeTimers(async (gate) => {
      const g = gate({ perSecond: 0.1, concurrency: 4 });
      let ran = 0;
      const jobs = [1, 2].map(() => g.schedule(async () => void (ran += 1)).catch((error: unknown) => error));
      await vi.advanceTimersByTimeAsync(100);
      const stopped = g.stop();
      await vi.advanceTimersByTimeAsync(10);
      await stopped;
      const [first, second] = await Promise.all(jobs);
      expect(first).toBeUndefined();
      expect(second).toBeInstanceOf(GateStoppedError);
      expect(ran).toBe(1);
    }));

  it('runs at most `concurrency` jobs at once', async () => {
    const g = gate({ perSecond: 1000, concurrency: 2 });
    let running = 0;
    let most = 0;
    const job = async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
    };
    await Promise.all([1, 2, 3, 4, 5, 6].map(() => g.schedule(job)));
    expect(most).toBe(2);
  });

  it('holds queued and later jobs until the pause ends', async () => {
    const { calls, sleep } = manualSleep();
    const g = gate({ perSecond: 1000, concurrency: 4 }, { sleep });
    g.pauseFor(1000);
    const ran: string[] = [];
    const done = Promise.all(['a', 'b'].map((name) => g.schedule(async () => void ran.push(name))));
    await tick();
    expect(ran).toEqual([]);
    expect(g.isPaused).toBe(true);

    calls[0]?.end();
    await done;
    expect(ran.sort()).toEqual(['a', 'b']);
    expect(g.isPaused).toBe(false);
  });

  it('extends for a longer pause and never shortens for a shorter one', async () => {
    let now = 0;
    const { calls, sleep } = manualSleep();
    const g = gate({ perSecond: 1000, concurrency: 4 }, { sleep, now: () => now });
    g.pauseFor(1000);
    g.pauseFor(500);
    expect(calls.map((c) => c.ms)).toEqual([1000]);

    now = 200;
    g.pauseFor(2000);
    expect(calls.map((c) => c.ms)).toEqual([1000, 2000]);

    let ran = false;
    const job = g.schedule(async () => {
      ran = true;
    });
    calls[0]?.end();
    await tick();
    expect(ran).toBe(false);
    expect(g.isPaused).toBe(true);

    calls[1]?.end();
    await job;
    expect(ran).toBe(true);
  });

  it('stopped at any moment after jobs were admitted: each job runs or is refused, none after stop() resolves', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // Each k stops the gate one event-loop turn later: one of them lands between admission and start.
      for (let k = 0; k < 8; k++) {
        const g = gate({ perSecond: 10_000, concurrency: 8 });
        let stopped = false;
        const late: number[] = [];
        const jobs = Array.from({ length: 6 }, (_, i) => g.schedule(async () => (stopped ? void late.push(i) : i)).catch((error: unknown) => error));
        for (let i = 0; i < k; i++) await new Promise((resolve) => setImmediate(resolve));
        await g.stop();
        stopped = true;
        const outcomes = await Promise.all(jobs);
        for (const [i, outcome] of outcomes.entries()) expect([i, outcome instanceof GateStoppedError ? 'refused' : outcome]).toEqual([i, expect.anything()]);
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
        expect(late).toEqual([]);
      }
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('rejects queued jobs with GateStoppedError when stopped', async () => {
    const g = gate({ perSecond: 1000, concurrency: 1 }, { sleep: () => new Promise<void>(() => undefined) });
    g.pauseFor(1000);
    const queued = g.schedule(async () => 'never').catch((error: unknown) => error);
    await tick();
    await g.stop();
    expect(await queued).toBeInstanceOf(GateStoppedError);
    await expect(g.schedule(async () => 'late')).rejects.toBeInstanceOf(GateStoppedError);
  });
});
