import { describe, expect, it } from 'vitest';
import { AdaptiveRate } from '../../src/pipeline/adaptive-rate.js';

/** An AdaptiveRate on a hand-driven clock (default tuning: margin 0.95, quiet 5 s or 5 pauses, step 2 %). */
function rate(configured: number) {
  const clock = { at: 0 };
  const adaptive = new AdaptiveRate(configured, () => clock.at);
  /** `count` request starts `everyMs` apart from `from`; the clock is left at the last one. */
  const send = (count: number, everyMs: number, from = clock.at) => {
    const raised: number[] = [];
    for (let i = 0; i < count; i++) {
      clock.at = from + i * everyMs;
      const r = adaptive.started();
      if (r !== undefined) raised.push(r);
    }
    return raised;
  };
  return { clock, adaptive, send };
}

describe('AdaptiveRate', () => {
  it('stays exactly at the configured rate as long as nothing is refused', () => {
    const { adaptive, send } = rate(50);
    expect(send(3_000, 20)).toEqual([]);
    expect(adaptive.perSecond).toBe(50);
  });

  it('after a 429, sends a little under what was started in the last second', () => {
    const { clock, adaptive, send } = rate(100);
    // 51 requests in 500 ms at the configured 100/s; the 51st is refused.
    send(51, 10);
    clock.at += 5;
    expect(adaptive.refused(1000)).toBe(48.45);
    expect(adaptive.perSecond).toBe(48.45);
  });

  it('counts only the starts of the last second', () => {
    const { clock, adaptive, send } = rate(60);
    send(100, 10); // 0 … 990 ms
    clock.at = 1500;
    // (500, 1500]: the 49 starts from 510 to 990 ms.
    expect(adaptive.refused()).toBe(46.55);
  });

  it('lowers by at most half (then the margin) for one 429, however little was sent', () => {
    const { clock, adaptive, send } = rate(400);
    send(1, 0);
    clock.at += 3;
    expect(adaptive.refused()).toBe(190);
  });

  it('never goes below 1/s', () => {
    const { adaptive, send } = rate(2);
    send(1, 0);
    expect(adaptive.refused()).toBe(1);
    send(1, 0);
    expect(adaptive.refused()).toBeUndefined();
    expect(adaptive.perSecond).toBe(1);
  });

  it('never raises the rate on a 429, even when more was started than the rate (a burst)', () => {
    const { adaptive, send } = rate(100);
    send(120, 1);
    expect(adaptive.refused()).toBeUndefined();
    expect(adaptive.perSecond).toBe(100);
  });

  it('takes the 429s of requests already on the wire as the same refusal', () => {
    const { clock, adaptive, send } = rate(100);
    send(51, 10);
    expect(adaptive.refused(1000)).toBe(48.45);
    clock.at += 2;
    expect(adaptive.refused(1000)).toBeUndefined();
    expect(adaptive.perSecond).toBe(48.45);
    // After the pause, requests sent at the lowered rate and one refused in turn: still too fast.
    send(50, 21, 2000); // 2000 … 3029 ms
    clock.at += 1;
    // (2030, 3030]: the 48 starts from 2042 to 3029 ms.
    expect(adaptive.refused(1000)).toBe(45.6);
  });

  it('climbs back by 2 % of the configured rate per quiet period, up to exactly the configured rate', () => {
    const { clock, adaptive, send } = rate(100);
    send(51, 10);
    expect(adaptive.refused()).toBe(48.45);
    const refusedAt = clock.at;
    // Quiet 5 s (no pause given): nothing before, one step at 5 s, the next 5 s after that step.
    expect(send(499, 10, refusedAt + 10)).toEqual([]);
    expect(send(1, 0, refusedAt + 5_000)).toEqual([50.45]);
    expect(send(499, 10, refusedAt + 5_010)).toEqual([]);
    expect(send(1, 0, refusedAt + 10_000)).toEqual([52.45]);
    // 150 s more of sending: the 24th step more would pass 100 and stops at it; then no more steps.
    const raised = send(15_000, 10, refusedAt + 10_010);
    expect(raised.slice(0, 3)).toEqual([54.45, 56.45, 58.45]);
    expect(raised.slice(-2)).toEqual([98.45, 100]);
    expect(raised).toHaveLength(24);
    expect(adaptive.perSecond).toBe(100);
  });

  it('spaces the steps by five pauses when that is longer than 5 s', () => {
    const { clock, adaptive, send } = rate(100);
    send(51, 10);
    expect(adaptive.refused(2_000)).toBe(48.45);
    const refusedAt = clock.at;
    expect(send(999, 10, refusedAt + 10)).toEqual([]);
    expect(send(1, 0, refusedAt + 10_000)).toEqual([50.45]);
    expect(send(999, 10, refusedAt + 10_010)).toEqual([]);
    expect(send(1, 0, refusedAt + 20_000)).toEqual([52.45]);
  });

  it('starts the quiet period again at every 429', () => {
    const { clock, adaptive, send } = rate(100);
    send(51, 10);
    adaptive.refused();
    send(1, 0, clock.at + 4_000);
    clock.at += 1;
    // Sent at 48.45/s, 1 request in the last second: 48.45 × ½ × 0.95 = 23.01.
    expect(adaptive.refused()).toBe(23.01);
    expect(send(1, 0, clock.at + 4_999)).toEqual([]);
    expect(send(1, 0, clock.at + 1)).toEqual([25.01]);
  });

  it('takes one step after an idle time, not one per quiet period that passed', () => {
    const { clock, adaptive, send } = rate(100);
    send(51, 10);
    adaptive.refused();
    expect(send(1, 0, clock.at + 60_000)).toEqual([50.45]);
    expect(send(1, 0, clock.at + 10)).toEqual([]);
  });
});
