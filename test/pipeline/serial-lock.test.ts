import { describe, expect, it } from 'vitest';
import { SerialLock } from '../../src/pipeline/serial-lock.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('SerialLock', () => {
  it('runs one task at a time, in the order they were scheduled, each settling with its own outcome', async () => {
    const lock = new SerialLock();
    const log: string[] = [];
    const task = (name: string, fail = false) => async (suffix: string) => {
      log.push(`start ${name}`);
      await turn();
      log.push(`end ${name}`);
      if (fail) throw new Error(`${name} failed`);
      return `${name}${suffix}`;
    };
    const { schedule } = lock; // bound, as Bottleneck passes it around
    const a = schedule(task('a') as (...args: unknown[]) => unknown, '!');
    const b = schedule(task('b', true) as (...args: unknown[]) => unknown, '?');
    const c = schedule(task('c') as (...args: unknown[]) => unknown, '.');
    expect(lock.isEmpty()).toBe(false);
    await expect(a).resolves.toBe('a!');
    await expect(b).rejects.toThrow('b failed');
    await expect(c).resolves.toBe('c.');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(lock.isEmpty()).toBe(true);
  });

  it('starts the next task before the one that ended settles, and rejects a task that throws at once', async () => {
    const lock = new SerialLock();
    const log: string[] = [];
    const first = lock.schedule(() => {
      log.push('first runs');
      return 1;
    });
    const second = lock.schedule(() => {
      log.push('second runs');
      throw new Error('at once');
    });
    void first.then(() => log.push('first settled'));
    await expect(second).rejects.toThrow('at once');
    await first;
    expect(log).toEqual(['first runs', 'second runs', 'first settled']);
  });
});
