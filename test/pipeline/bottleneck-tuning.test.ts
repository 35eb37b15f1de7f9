import Bottleneck from 'bottleneck';
import { describe, expect, it, vi } from 'vitest';
import { TUNED_VERSION, tuneLocalLimiter } from '../../src/pipeline/bottleneck-tuning.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Bottleneck tuned for our local limiters', () => {
  it('is written against the Bottleneck installed (pinned exactly)', () => {
    expect((Bottleneck as unknown as { version: string }).version).toBe(TUNED_VERSION);
  });

  it('decides as Bottleneck does: the same jobs start in the same order, never more at once than maxConcurrent', async () => {
    /** Six jobs of mixed priorities on a limiter of 2 at a time, the first two held until the other four are queued. */
    async function startOrder(tune: boolean): Promise<{ starts: string[]; most: number; results: string[] }> {
      const limiter = new Bottleneck({ maxConcurrent: 2, minTime: 0 });
      if (tune) expect(tuneLocalLimiter(limiter)).toBe(true);
      let open: () => void = () => undefined;
      const allQueued = new Promise<void>((resolve) => (open = resolve));
      const starts: string[] = [];
      let running = 0;
      let most = 0;
      const job = (name: string) => async () => {
        starts.push(`start ${name}`);
        most = Math.max(most, ++running);
        await allQueued;
        running -= 1;
        return name;
      };
      const results = Promise.all(
        (['a', 'b', 'c', 'd', 'e', 'f'] as const).map((name) => limiter.schedule({ priority: name === 'd' || name === 'e' ? 1 : 5 }, job(name))),
      );
      for (let i = 0; i < 1000 && limiter.counts().QUEUED < 4; i++) await new Promise((resolve) => setTimeout(resolve, 1));
      open();
      const done = { results: await results, starts, most };
      await limiter.stop();
      return done;
    }
    const bottleneck = await startOrder(false);
    const tuned = await startOrder(true);
    expect(tuned).toEqual(bottleneck);
    // What Bottleneck decides: the first two go at once, then the higher priority (the lower number) first.
    expect(tuned.starts).toEqual(['start a', 'start b', 'start d', 'start e', 'start c', 'start f']);
    expect(tuned.most).toBe(2);
  });

  it.each(['LEAK', 'OVERFLOW', 'OVERFLOW_PRIORITY', 'BLOCK'] as const)('drops what Bottleneck drops past its highWater (strategy %s)', async (name) => {
    /** One job running until released, four more arriving with mixed priorities, at most one waiting. */
    async function outcomes(tune: boolean): Promise<string[]> {
      const strategy = Bottleneck.strategy[name];
      const limiter = new Bottleneck({ maxConcurrent: 1, minTime: 0, highWater: 1, strategy, penalty: 10 });
      if (tune) expect(tuneLocalLimiter(limiter)).toBe(true);
      let open: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (open = resolve));
      const settled = (['a', 'b', 'c', 'd', 'e'] as const).map((job, i) =>
        limiter.schedule({ priority: [5, 5, 1, 9, 5][i] ?? 5 }, async () => (job === 'a' ? held.then(() => job) : job)).then(
          (value) => `${value} ran`,
          (error: unknown) => `${job} ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
      for (let i = 0; i < 1000 && limiter.counts().RECEIVED > 0; i++) await new Promise((resolve) => setTimeout(resolve, 1));
      open();
      const result = await Promise.all(settled);
      await limiter.stop();
      return result;
    }
    const bottleneck = await outcomes(false);
    expect(await outcomes(true)).toEqual(bottleneck);
    expect(bottleneck.some((outcome) => outcome.endsWith('dropped by Bottleneck'))).toBe(true);
  });

  it('still spaces jobs by minTime and passes failures through', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const limiter = new Bottleneck({ maxConcurrent: 5, minTime: 30 });
      tuneLocalLimiter(limiter);
      const started: number[] = [];
      const stamp = async () => void started.push(Date.now());
      const all = Promise.all([limiter.schedule(stamp), limiter.schedule(stamp), limiter.schedule(stamp)]);
      const failed = expect(limiter.schedule(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      await vi.advanceTimersByTimeAsync(200);
      await all;
      await failed;
      // Bottleneck plans each start minTime after the one before it was planned, from the first registration (time 0).
      expect(started).toHaveLength(3);
      expect(started[1]).toBeGreaterThanOrEqual(30);
      expect(started[2]).toBeGreaterThanOrEqual(60);
      const stopped = limiter.stop();
      await vi.advanceTimersByTimeAsync(10);
      await stopped;
    } finally {
      vi.useRealTimers();
    }
  });

  it('still refills a reservoir on its heartbeat and runs what waited for it', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 2, minTime: 0, reservoir: 1, reservoirRefreshInterval: 20, reservoirRefreshAmount: 1, heartbeatInterval: 5 });
    expect(tuneLocalLimiter(limiter)).toBe(true);
    await expect(Promise.all([1, 2, 3].map((n) => limiter.schedule(async () => n)))).resolves.toEqual([1, 2, 3]);
    await limiter.stop();
  });

  it('still tells the listeners of its events, debug included', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 1, minTime: 0 });
    tuneLocalLimiter(limiter);
    const seen: string[] = [];
    const on = limiter.on.bind(limiter) as unknown as (name: string, listener: () => void) => Bottleneck;
    for (const name of ['received', 'queued', 'scheduled', 'executing', 'done', 'idle']) on(name, () => void seen.push(name));
    await limiter.schedule(async () => 1);
    await turn();
    expect(seen).toEqual(['received', 'queued', 'scheduled', 'executing', 'done', 'idle']);

    const debug: string[] = [];
    limiter.on('debug', (message: string) => void debug.push(message));
    await limiter.schedule({ id: 'j' }, async () => 2);
    await turn();
    expect(debug).toContain('Event triggered: executing');
    expect(debug).toContain('Freed j');
    await limiter.stop();
  });

  it('never runs a job that stop() dropped between its admission and its start', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 1, minTime: 0 });
    tuneLocalLimiter(limiter);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    let ran = false;
    // 'scheduled' fires as the job is admitted (RUNNING), before it starts: stop right there.
    limiter.on('scheduled', () => void limiter.stop({ dropWaitingJobs: true }));
    try {
      const job = limiter.schedule(async () => (ran = true));
      await expect(job).rejects.toThrow('This limiter has been stopped.');
      for (let i = 0; i < 3; i++) await turn();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(ran).toBe(false);
    expect(unhandled).toEqual([]);
  });

  it('drops queued jobs on stop({ dropWaitingJobs }) and lets the running one finish', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 1, minTime: 0 });
    tuneLocalLimiter(limiter);
    let release: () => void = () => undefined;
    let running: () => void = () => undefined;
    const firstRuns = new Promise<void>((resolve) => (running = resolve));
    const first = limiter.schedule(
      () =>
        new Promise<string>((resolve) => {
          release = () => resolve('first');
          running();
        }),
    );
    const second = limiter.schedule(async () => 'second');
    second.catch(() => undefined);
    await firstRuns;
    const stopped = limiter.stop({ dropWaitingJobs: true });
    release();
    await expect(first).resolves.toBe('first');
    await expect(second).rejects.toThrow('This limiter has been stopped.');
    await stopped;
  });

  it('leaves a limiter of any other version exactly as Bottleneck made it, and it still works', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 2, minTime: 0 });
    Object.defineProperty(limiter, 'version', { value: '2.19.6' });
    const before = { ...(limiter as unknown as Record<string, unknown>) };
    const store = (limiter as unknown as { _store: Record<string, unknown> })._store;
    const storeBefore = { ...store };
    const events = (limiter as unknown as { Events: Record<string, unknown> }).Events;
    const eventsBefore = { ...events };

    expect(tuneLocalLimiter(limiter)).toBe(false);

    expect({ ...(limiter as unknown as Record<string, unknown>) }).toEqual(before);
    expect({ ...store }).toEqual(storeBefore);
    expect({ ...events }).toEqual(eventsBefore);
    // Nothing own was added over Bottleneck's prototype methods either.
    for (const name of ['_run', 'schedule', '_free']) expect(Object.hasOwn(limiter, name)).toBe(false);
    expect(Object.hasOwn(store, 'yieldLoop')).toBe(false);
    expect(Object.hasOwn(events, 'trigger')).toBe(false);
    await expect(Promise.all([1, 2, 3].map((n) => limiter.schedule(async () => n * 10)))).resolves.toEqual([10, 20, 30]);
    await limiter.stop();
  });

  it('leaves a limiter of an unexpected shape alone', () => {
    const strange = { version: TUNED_VERSION, _store: {} } as unknown as Bottleneck;
    expect(tuneLocalLimiter(strange)).toBe(false);
  });
});
