import { describe, expect, it } from 'vitest';
import type { RetryOptions } from '../../src/adapter/definition.js';
import { backoffDelay, decideRetry, DEFAULT_RETRY } from '../../src/pipeline/retry-decision.js';

const policy: Required<RetryOptions> = { ...DEFAULT_RETRY };
const fixed = (value: number) => () => value;
/** random() = 0 gives the lowest delay: half the step. */
const low = fixed(0);
const base = { attempt: 1, retrySafe: true, policy, random: low };

describe('DEFAULT_RETRY', () => {
  it('matches the documented defaults', () => {
    expect(DEFAULT_RETRY).toEqual({ retries: 5, minDelayMs: 250, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 });
  });
});

describe('backoff', () => {
  it('doubles from minDelayMs and stops at maxDelayMs', () => {
    const steps = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((attempt) => backoffDelay(attempt, policy, low) * 2);
    expect(steps).toEqual([250, 500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('keeps jitter within [step/2, step)', () => {
    expect(backoffDelay(3, policy, fixed(0))).toBe(500);
    expect(backoffDelay(3, policy, fixed(0.5))).toBe(750);
    expect(backoffDelay(3, policy, fixed(0.999999))).toBe(999);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(2, policy);
      expect(delay).toBeGreaterThanOrEqual(250);
      expect(delay).toBeLessThan(500);
    }
  });

  it('is deterministic when random is injected', () => {
    const a = decideRetry({ status: 503 }, { ...base, attempt: 4, random: fixed(0.3) });
    const b = decideRetry({ status: 503 }, { ...base, attempt: 4, random: fixed(0.3) });
    expect(a).toEqual(b);
    expect(a).toEqual({ retry: true, delayMs: 1000 + 300 });
  });
});

describe('429', () => {
  it('is retried even when the request is not retry-safe', () => {
    expect(decideRetry({ status: 429 }, { ...base, retrySafe: false })).toEqual({ retry: true, delayMs: 125 });
  });

  it('waits exactly Retry-After when given, even when backoff would be longer', () => {
    expect(decideRetry({ status: 429, retryAfterMs: 2000 }, { ...base, retrySafe: false })).toEqual({ retry: true, delayMs: 2000 });
    expect(decideRetry({ status: 429, retryAfterMs: 100 }, { ...base, attempt: 5 })).toEqual({ retry: true, delayMs: 100 });
  });

  it('is retried while attempt <= retries', () => {
    expect(decideRetry({ status: 429 }, { ...base, attempt: 5 }).retry).toBe(true);
    expect(decideRetry({ status: 429 }, { ...base, attempt: 6 })).toEqual({ retry: false });
  });

  it('is not retried when Retry-After exceeds maxRetryAfterMs', () => {
    expect(decideRetry({ status: 429, retryAfterMs: 120_000 }, base)).toEqual({ retry: true, delayMs: 120_000 });
    expect(decideRetry({ status: 429, retryAfterMs: 120_001 }, base)).toEqual({ retry: false });
  });
});

describe('5xx and 408', () => {
  it.each([500, 502, 503, 504, 599, 408])('%i is retried when retry-safe', (status) => {
    expect(decideRetry({ status }, base)).toEqual({ retry: true, delayMs: 125 });
  });

  it.each([500, 503, 599, 408])('%i is not retried when the request is not retry-safe', (status) => {
    expect(decideRetry({ status }, { ...base, retrySafe: false })).toEqual({ retry: false });
  });

  it('waits the longer of backoff and Retry-After', () => {
    expect(decideRetry({ status: 503, retryAfterMs: 3000 }, base)).toEqual({ retry: true, delayMs: 3000 });
    expect(decideRetry({ status: 503, retryAfterMs: 10 }, { ...base, attempt: 3 })).toEqual({ retry: true, delayMs: 500 });
  });

  it('stops after the last permitted retry or beyond maxRetryAfterMs', () => {
    expect(decideRetry({ status: 503 }, { ...base, attempt: 5 }).retry).toBe(true);
    expect(decideRetry({ status: 503 }, { ...base, attempt: 6 })).toEqual({ retry: false });
    expect(decideRetry({ status: 503, retryAfterMs: 120_001 }, base)).toEqual({ retry: false });
  });

  it('respects a policy of no retries', () => {
    expect(decideRetry({ status: 503 }, { ...base, policy: { ...policy, retries: 0 } })).toEqual({ retry: false });
  });
});

describe('network failures', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])('%s (nothing sent) is retried even when not retry-safe', (code) => {
    expect(decideRetry({ network: { code, maybeSent: false } }, { ...base, retrySafe: false })).toEqual({ retry: true, delayMs: 125 });
  });

  it.each(['ECONNRESET', 'ETIMEDOUT', 'EPIPE'])('%s (maybe sent) is retried only when retry-safe', (code) => {
    expect(decideRetry({ network: { code, maybeSent: true } }, base)).toEqual({ retry: true, delayMs: 125 });
    expect(decideRetry({ network: { code, maybeSent: true } }, { ...base, retrySafe: false })).toEqual({ retry: false });
  });

  it('stops after the last permitted retry', () => {
    expect(decideRetry({ network: { maybeSent: false } }, { ...base, attempt: 5 }).retry).toBe(true);
    expect(decideRetry({ network: { maybeSent: false } }, { ...base, attempt: 6 })).toEqual({ retry: false });
  });
});

describe('everything else', () => {
  it.each([200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 409, 410, 422, 600])('%i is not retried', (status) => {
    expect(decideRetry({ status }, base)).toEqual({ retry: false });
    expect(decideRetry({ status, retryAfterMs: 1000 }, base)).toEqual({ retry: false });
  });
});
