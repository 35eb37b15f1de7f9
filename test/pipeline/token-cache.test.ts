import { describe, expect, it } from 'vitest';
import { TokenCache, type FetchedToken } from '../../src/pipeline/token-cache.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('TokenCache', () => {
  it('makes one fetch however many callers wait, and shares its failure', async () => {
    let fetches = 0;
    let pending = deferred<FetchedToken>();
    const cache = new TokenCache(() => {
      fetches += 1;
      return pending.promise;
    });

    const waiting = Array.from({ length: 10 }, () => cache.get());
    pending.reject(new Error('login failed'));
    const results = await Promise.allSettled(waiting);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(fetches).toBe(1);

    pending = deferred<FetchedToken>();
    const next = Promise.all([cache.get(), cache.get()]);
    pending.resolve({ token: 'tok-2' });
    await expect(next).resolves.toEqual(['tok-2', 'tok-2']);
    expect(fetches).toBe(2);
  });

  it('refreshes 60 s before a 600 s token expires', async () => {
    let now = 1_000_000;
    let n = 0;
    const cache = new TokenCache(async () => ({ token: `tok-${++n}`, expiresInSeconds: 600 }), { now: () => now });
    expect(await cache.get()).toBe('tok-1');
    now += 539_999;
    expect(await cache.get()).toBe('tok-1');
    now += 1;
    expect(await cache.get()).toBe('tok-2');
  });

  it('uses a 10 % margin for short-lived tokens', async () => {
    let now = 0;
    let n = 0;
    const cache = new TokenCache(async () => ({ token: `tok-${++n}`, expiresInSeconds: 100 }), { now: () => now });
    await cache.get();
    now = 89_999;
    expect(await cache.get()).toBe('tok-1');
    now = 90_000;
    expect(await cache.get()).toBe('tok-2');
  });

  it('keeps a token without lifetime until it is invalidated', async () => {
    let now = 0;
    let n = 0;
    const cache = new TokenCache(async () => ({ token: `tok-${++n}` }), { now: () => now });
    await cache.get();
    now = 10 * 24 * 3600 * 1000;
    expect(await cache.get()).toBe('tok-1');
  });

  it('drops a token only while it is the current one', async () => {
    let n = 0;
    const cache = new TokenCache(async () => ({ token: `tok-${++n}` }));
    await cache.get();
    cache.invalidate('tok-1');
    expect(await cache.get()).toBe('tok-2');
    cache.invalidate('tok-1');
    expect(cache.peek()).toBe('tok-2');
    expect(await cache.get()).toBe('tok-2');
    expect(n).toBe(2);
  });

  it('recovers from a fetch that throws synchronously', async () => {
    let calls = 0;
    const cache = new TokenCache(() => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return Promise.resolve({ token: 'ok' });
    });
    await expect(cache.get()).rejects.toThrow('boom');
    await expect(cache.get()).resolves.toBe('ok');
  });
});
