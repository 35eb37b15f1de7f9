import Bottleneck from 'bottleneck';
import { describe, expect, it } from 'vitest';
import { withoutTimerFloor } from '../../src/pipeline/bottleneck-yield.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Bottleneck without its 1 ms timer floor', () => {
  it('applies to a local limiter and leaves it a working limiter', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 2, minTime: 0 });
    expect(withoutTimerFloor(limiter)).toBe(true);
    await expect(Promise.all([1, 2, 3].map((n) => limiter.schedule(async () => n * 10)))).resolves.toEqual([10, 20, 30]);
    await limiter.stop();
  });

  it('never runs a job that stop() dropped between its admission and its start', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 1, minTime: 0 });
    withoutTimerFloor(limiter);
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

  it('leaves a limiter of an unexpected shape alone', () => {
    const strange = { _store: {} } as unknown as Bottleneck;
    expect(withoutTimerFloor(strange)).toBe(false);
  });
});
