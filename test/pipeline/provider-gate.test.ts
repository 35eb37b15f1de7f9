import { afterEach, describe, expect, it, vi } from 'vitest';
import { GateStoppedError, ProviderGate } from '../../src/pipeline/provider-gate.js';

const gates: ProviderGate[] = [];
function gate(...args: ConstructorParameters<typeof ProviderGate>): ProviderGate {
  const made = new ProviderGate(...args);
  gates.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(gates.splice(0).map((g) => g.stop()));
});

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

  it('spaces requests evenly at perSecond instead of bursting', async () => {
    const g = gate({ perSecond: 20, concurrency: 10 });
    const starts: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map(() => g.schedule(async () => void starts.push(Date.now()))));
    const gaps = starts.slice(1).map((at, i) => at - (starts[i] ?? at));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(40);
  });

  it('after a 429, spaces requests at the lowered rate', async () => {
    const adjusted: number[] = [];
    // The estimate runs on the injected clock (one start, at 0); the spacing is Bottleneck's, in real time.
    const g = gate({ perSecond: 10, concurrency: 4, onRateAdjusted: (r) => adjusted.push(r) }, { now: () => 0 });
    await g.schedule(async () => 'refused');
    g.slowDown();
    // One request in the last second: the bound, half of 10/s, less the 5 % margin.
    expect(g.perSecond).toBe(4.75);
    expect(adjusted).toEqual([4.75]);

    const starts: number[] = [];
    await Promise.all([1, 2, 3, 4].map(() => g.schedule(async () => void starts.push(Date.now()))));
    const gaps = starts.slice(1).map((at, i) => at - (starts[i] ?? at));
    // 1000 / 4.75 × 1.03 ≈ 217 ms apart, where 10/s was 103.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(170);
    expect(adjusted).toEqual([4.75]);
  });

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
