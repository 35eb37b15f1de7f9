import { describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.js';
import { call, useSandbox } from './helpers.js';

const sandbox = useSandbox();
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
    await new Promise((resolve) => setTimeout(resolve, 1_050));
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
