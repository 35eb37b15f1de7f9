import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter } from '../../src/sandbox/traffic.js';
import { call, SANDBOX_CREDENTIALS, useSandbox } from './helpers.js';

const sandbox = useSandbox();

/**
 * The sandbox's clock (`performance.now()`, read for its rate limits and its figures), stopped for each test and
 * moved only by `advance`: a burst is then all in one instant however slowly a busy machine sends it, and "a
 * second later" is exact. Vitest's fake timers cannot do this: they replace `globalThis.performance`, not the
 * object `node:perf_hooks` exports, which the sandbox imports. Timers and sockets keep running for real. Whole
 * milliseconds (a fraction would make "1000 ms from now" a hair more than 1000 ms: Retry-After 2), and never
 * back from one test to the next.
 */
let now = 0;
const advance = (ms: number): void => {
  now += ms;
};
beforeEach(() => {
  now = Math.max(now, Math.ceil(performance.now()));
  vi.spyOn(performance, 'now').mockImplementation(() => now);
});
afterEach(() => {
  vi.restoreAllMocks();
});
const auth = { authorization: `Bearer ${SANDBOX_CREDENTIALS.fatora.token}` };
const createClient = (i: number) =>
  call(`${sandbox().urls.fatora}/v1/clients`, { method: 'POST', headers: auth, body: { email: `c${i}@example.com` } });

async function burst(count: number, from = 0) {
  return Promise.all(Array.from({ length: count }, (_, i) => createClient(from + i)));
}

const statusCounts = (answers: Array<{ status: number }>): Record<number, number> => {
  const out: Record<number, number> = {};
  for (const { status } of answers) out[status] = (out[status] ?? 0) + 1;
  return out;
};

describe('sandbox rate limit', () => {
  it('admits perSecond requests in a sliding second; the rest get 429 and are not applied', async () => {
    sandbox().setRateLimit('fatora', { perSecond: 10 });
    const answers = await burst(30);
    expect(statusCounts(answers)).toEqual({ 201: 10, 429: 20 });
    const refused = answers.find((a) => a.status === 429);
    expect(refused?.body).toEqual({ status: 'ERROR', error: { code: 429, message: 'Too many requests' } });
    // Undisclosed by default, as Yativo documents none.
    expect(refused?.headers.get('retry-after')).toBeNull();
    expect(sandbox().customers('fatora')).toHaveLength(10);
    expect(sandbox().stats('fatora')).toEqual({
      requests: 30,
      byStatus: { 201: 10, 429: 20 },
      rateLimited: 20,
      maxRatePerSecond: 30,
      faults: {},
    });
  });

  it('admits again once the window has moved on', async () => {
    sandbox().setRateLimit('fatora', { perSecond: 5 });
    expect(statusCounts(await burst(10))).toEqual({ 201: 5, 429: 5 });
    advance(1_050);
    expect(statusCounts(await burst(10, 100))).toEqual({ 201: 5, 429: 5 });
    expect(sandbox().customers('fatora')).toHaveLength(10);
  });

  it('sends Retry-After when configured, or computed when disclosed', async () => {
    sandbox().setRateLimit('fatora', { perSecond: 1, retryAfterSeconds: 2 });
    const fixed = await burst(2);
    expect(fixed[1]?.status).toBe(429);
    expect(fixed[1]?.headers.get('retry-after')).toBe('2');
    sandbox().setRateLimit('fatora', { perSecond: 1, disclose: true });
    const computed = await burst(2, 10);
    expect(computed[1]?.headers.get('retry-after')).toBe('1');
  });

  it('is removed with undefined', async () => {
    sandbox().setRateLimit('fatora', { perSecond: 1 });
    sandbox().setRateLimit('fatora', undefined);
    expect(statusCounts(await burst(5))).toEqual({ 201: 5 });
  });

  it('rejects a perSecond that is not a positive integer', () => {
    expect(() => sandbox().setRateLimit('fatora', { perSecond: 0 })).toThrow(
      'rate limit perSecond must be a positive integer, got 0',
    );
  });

  it('measures the highest rate in any sliding second', async () => {
    for (let i = 0; i < 4; i += 1) await createClient(i);
    expect(sandbox().stats('fatora').maxRatePerSecond).toBe(4);
  });

  it('adds latency to every answer', async () => {
    sandbox().setLatency('fatora', 100);
    const started = Date.now();
    expect((await createClient(1)).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });
});

describe('sandbox token bucket (`burst`)', () => {
  /** Admits at the given times (ms, the limiter's clock) and says which were admitted. */
  const admitAt = (limiter: RateLimiter, times: number[]) => times.map((at) => limiter.admit(at));

  it('admits a burst at once, then one request per 1000 / perSecond ms', () => {
    const limiter = new RateLimiter({ perSecond: 40, burst: 4 });
    expect(admitAt(limiter, [0, 0, 0, 0])).toEqual(Array(4).fill({ ok: true }));
    expect(limiter.admit(0)).toEqual({ ok: false, retryAfterMs: 25 });
    expect(limiter.admit(10)).toEqual({ ok: false, retryAfterMs: 15 });
    expect(limiter.admit(25)).toEqual({ ok: true });
    expect(limiter.admit(30)).toEqual({ ok: false, retryAfterMs: 20 });
    expect(limiter.admit(50)).toEqual({ ok: true });
  });

  it('refills to `burst` and no further, however long it was idle', () => {
    const limiter = new RateLimiter({ perSecond: 40, burst: 4 });
    limiter.admit(0);
    expect(admitAt(limiter, [60_000, 60_000, 60_000, 60_000, 60_000]).map((a) => a.ok)).toEqual([true, true, true, true, false]);
  });

  it('never refuses requests exactly 1000 / perSecond ms apart, even with a burst of 1', () => {
    const limiter = new RateLimiter({ perSecond: 40, burst: 1 });
    const times = Array.from({ length: 4_000 }, (_, i) => i * 25);
    expect(admitAt(limiter, times).every((a) => a.ok)).toBe(true);
    // One that comes a little early is refused: burst 1 allows no catching up.
    const early = limiter.admit(4_000 * 25 - 1);
    expect(early.ok).toBe(false);
    expect(early.ok ? 0 : early.retryAfterMs).toBeCloseTo(1, 9);
  });

  it('absorbs jitter up to the burst: 25 ms apart on average, ±20 ms, passes with a burst of 4, not of 1', () => {
    const jittered = Array.from({ length: 400 }, (_, i) => (i + 1) * 25 + (i % 2 === 0 ? 20 : -20));
    const refusedWith = (burst: number) => {
      const limiter = new RateLimiter({ perSecond: 40, burst });
      return admitAt(limiter, jittered).filter((a) => !a.ok).length;
    };
    expect(refusedWith(4)).toBe(0);
    expect(refusedWith(1)).toBeGreaterThan(0);
  });

  it('a refused request takes no token', () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 1 });
    expect(admitAt(limiter, [0, 50, 60, 70, 100]).map((a) => a.ok)).toEqual([true, false, false, false, true]);
  });

  it('takes a rate that is not a whole number, and a clock read that runs a little back as no time passed', () => {
    const limiter = new RateLimiter({ perSecond: 0.5, burst: 1 });
    expect(limiter.admit(1_000)).toEqual({ ok: true });
    expect(limiter.admit(999)).toEqual({ ok: false, retryAfterMs: 2_000 });
    expect(limiter.admit(3_000)).toEqual({ ok: true });
  });

  it('Retry-After is the time until a token, rounded up to whole seconds', () => {
    const slow = new RateLimiter({ perSecond: 0.4, burst: 1, disclose: true });
    slow.admit(0);
    const refused = slow.admit(100);
    expect(refused).toEqual({ ok: false, retryAfterMs: 2_400 });
    expect(refused.ok ? undefined : slow.retryAfter(refused.retryAfterMs)).toBe('3');
    const fast = new RateLimiter({ perSecond: 40, burst: 4, disclose: true });
    expect(fast.retryAfter(25)).toBe('1');
    expect(new RateLimiter({ perSecond: 40, burst: 4 }).retryAfter(25)).toBeUndefined();
    expect(new RateLimiter({ perSecond: 40, burst: 4, retryAfterSeconds: 5 }).retryAfter(25)).toBe('5');
  });

  it('rejects a burst that is not a positive integer, and a rate that is not > 0', () => {
    expect(() => new RateLimiter({ perSecond: 40, burst: 0 })).toThrow('rate limit burst must be a positive integer, got 0');
    expect(() => new RateLimiter({ perSecond: 40, burst: 1.5 })).toThrow('rate limit burst must be a positive integer, got 1.5');
    expect(() => new RateLimiter({ perSecond: 0, burst: 4 })).toThrow('rate limit perSecond must be > 0, got 0');
  });

  it('over a real socket: a burst of 10 against a bucket of 3 admits 3 and refuses 7 with Retry-After', async () => {
    // 1 token/s: the 10 requests take far less than the second a token would need.
    sandbox().setRateLimit('fatora', { perSecond: 1, burst: 3, disclose: true });
    const answers = await burst(10);
    expect(statusCounts(answers)).toEqual({ 201: 3, 429: 7 });
    expect(answers.find((a) => a.status === 429)?.headers.get('retry-after')).toBe('1');
    expect(sandbox().customers('fatora')).toHaveLength(3);
    expect(sandbox().stats('fatora')).toMatchObject({ requests: 10, rateLimited: 7 });
  });
});
