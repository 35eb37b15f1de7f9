import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OptionsError } from '../src/errors/index.js';
import { yativo } from '../adapters/yativo/index.js';
import { fatora } from '../adapters/fatora/index.js';
import { bluetape } from '../adapters/bluetape/index.js';
import { invisibleCollector } from '../adapters/invisible-collector/index.js';

function optionsError(make: () => unknown): OptionsError {
  try {
    make();
  } catch (error) {
    if (error instanceof OptionsError) return error;
    throw error;
  }
  throw new Error('no error thrown');
}

const SECRET = 'super-secret-value-42';

describe('adapter options are checked when the adapter is made', () => {
  it('names a missing credential', () => {
    expect(optionsError(() => invisibleCollector({} as never)).issues).toEqual([{ path: 'token', message: 'is required' }]);
    expect(optionsError(() => bluetape({ apiKey: SECRET } as never)).issues).toEqual([{ path: 'accountId', message: 'is required' }]);
    expect(optionsError(() => yativo({} as never)).issues.map((i) => i.path)).toEqual(['token']);
    expect(optionsError(() => fatora({} as never)).issues.map((i) => i.path)).toEqual(['token']);
  });

  it('refuses plain http off loopback, naming baseUrl and never the secret', () => {
    const error = optionsError(() => invisibleCollector({ token: SECRET, baseUrl: 'http://api.invisiblecollector.com' }));
    expect(error.issues).toEqual([{ path: 'baseUrl', message: 'must use https:// (plain http:// is allowed only on loopback)' }]);
    expect(error.message).toBe(
      'Invalid Invisible Collector adapter options: baseUrl: must use https:// (plain http:// is allowed only on loopback)',
    );
    for (const text of [error.message, error.stack ?? '', JSON.stringify(error), inspect(error)]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it.each(['http://127.0.0.1:4010', 'http://localhost:4010/x', 'http://[::1]:4010'])('accepts plain http on loopback: %s', (baseUrl) => {
    expect(invisibleCollector({ token: SECRET, baseUrl }).options.baseUrl).toBe(baseUrl.replace(/\/$/, ''));
  });

  it('names an unknown option (a typo must not pass silently), never its value', () => {
    const error = optionsError(() => bluetape({ apiKey: SECRET, accountId: 'a', acountId: SECRET } as never));
    expect(error.issues).toEqual([{ path: 'acountId', message: 'unknown option' }]);
    expect(error.message).not.toContain(SECRET);
  });

  it('takes a rate of up to a million a second ("no limit"), and names one above it', () => {
    expect(invisibleCollector({ token: SECRET, rateLimit: { perSecond: 1_000_000 } }).options.rateLimit.perSecond).toBe(1_000_000);
    const error = optionsError(() => invisibleCollector({ token: SECRET, rateLimit: { perSecond: 1_000_001 } }));
    expect(error.issues.map((i) => i.path)).toEqual(['rateLimit.perSecond']);
  });

  it('names a bad nested option', () => {
    const error = optionsError(() => invisibleCollector({ token: SECRET, rateLimit: { perSecond: -1 } }));
    expect(error.issues.map((i) => i.path)).toEqual(['rateLimit.perSecond']);
  });

  it('applies defaults: production URL, limits, 15 s timeout, 1 MiB cap', () => {
    const adapter = invisibleCollector({ token: SECRET });
    expect(adapter.options).toMatchObject({
      baseUrl: 'https://api.invisiblecollector.com',
      timeoutMs: 15_000,
      maxResponseBytes: 1_048_576,
      rateLimit: adapter.definition.defaultRateLimit,
    });
  });

  it('never shows credentials when an adapter is printed or serialized', () => {
    const adapter = fatora({ token: SECRET });
    expect(JSON.stringify(adapter)).toBe('{"provider":"fatora","baseUrl":"https://api.fatora.io"}');
    expect(inspect(adapter)).not.toContain(SECRET);
  });
});
