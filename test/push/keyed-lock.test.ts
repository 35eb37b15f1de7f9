import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/push/keyed-lock.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedLock', () => {
  it('runs the tasks of one key one at a time, in the order they asked, a failure releasing the next', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task = (name: string, fail = false) => async () => {
      log.push(`start ${name}`);
      await turn();
      log.push(`end ${name}`);
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
    const a = lock.run('k', task('a'));
    const b = lock.run('k', task('b', true));
    const c = lock.run('k', task('c'));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b failed');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    // All done: the next one on that key starts at once.
    let started = false;
    const d = lock.run('k', async () => void (started = true));
    expect(started).toBe(true);
    await d;
  });

  it('lets tasks of different keys run at the same time', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await turn();
      log.push(`end ${name}`);
    };
    await Promise.all([lock.run('x', task('x')), lock.run('y', task('y'))]);
    expect(log).toEqual(['start x', 'start y', 'end x', 'end y']);
  });
});
