import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../src/adapter/definition.js';
import { SyncEvents, type RateAdjustedEvent, type RateLimitEvent } from '../../src/events.js';
import { ProviderPipeline } from '../../src/pipeline/pipeline.js';
import { BASE, makeConfig, recorder } from './helpers.js';

const put = (id: string): RequestSpec => ({ method: 'PUT', path: `/customer/${id}`, body: { id }, retrySafe: true });

let pipeline: ProviderPipeline | undefined;
beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  await pipeline?.close();
  nock.cleanAll();
});

describe('a 429 pauses the whole provider', () => {
  it('delays concurrent requests to the same provider until Retry-After has passed', async () => {
    // Real timers: the gate's pause and the retry wait both run on the clock the nock callbacks read.
    const events = new SyncEvents();
    const rateLimits: RateLimitEvent[] = [];
    events.on('rateLimit', (e) => rateLimits.push(e));
    const adjusted: RateAdjustedEvent[] = [];
    events.on('rateAdjusted', (e) => adjusted.push(e));
    pipeline = new ProviderPipeline(makeConfig({ rateLimit: { perSecond: 5, concurrency: 4 } }), events);
    const rec = recorder();
    const scope = nock(BASE)
      .put('/customer/a')
      .reply(rec.reply(429, { message: 'slow down' }, { 'Retry-After': '1' }))
      .put('/customer/a')
      .reply(rec.reply(200, {}))
      .put('/customer/b')
      .reply(rec.reply(200, {}))
      .put('/customer/c')
      .reply(rec.reply(200, {}));

    const results = await Promise.all(['a', 'b', 'c'].map((id) => pipeline?.send(put(id))));

    expect(results.map((r) => r?.status)).toEqual([200, 200, 200]);
    expect(scope.isDone()).toBe(true);
    expect(rateLimits).toEqual([{ provider: 'yativo', waitMs: 1000 }]);
    // Only a was on the wire in the second before its 429: the rate halves, less a 5 % margin (2.5 × 0.95).
    expect(adjusted).toEqual([{ provider: 'yativo', perSecond: 2.37 }]);

    const [limited, ...after] = rec.log;
    expect(limited?.path).toBe('/customer/a');
    expect(after.map((entry) => entry.path).sort()).toEqual(['/customer/a', '/customer/b', '/customer/c']);
    // b and c were spaced 200 and 400 ms behind a: without the pause they would have gone well before 1 s.
    for (const entry of after) expect(entry.at - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
    // Released evenly at the lowered rate (~430 ms apart), not in a burst.
    const times = after.map((entry) => entry.at).sort((x, y) => x - y);
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(150);
  });
});
