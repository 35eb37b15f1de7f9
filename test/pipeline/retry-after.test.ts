import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/pipeline/retry-after.js';

const NOW = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

describe('parseRetryAfter', () => {
  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('2', NOW)).toBe(2000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('reads an HTTP date as the time left until it', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:28:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('Wed Oct 21 07:28:05 2015', NOW)).toBe(5000);
  });

  it('reads a date in the past as 0', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT', NOW)).toBe(0);
  });

  it('gives undefined for an absent, empty or unreadable header', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('   ', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-1', NOW)).toBeUndefined();
    expect(parseRetryAfter('2 seconds', NOW)).toBeUndefined();
    expect(parseRetryAfter('Wed, 99 Foo 2015 99:99:99 GMT', NOW)).toBeUndefined();
  });
});
