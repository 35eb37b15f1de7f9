import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fatoraDefinition as def, type FatoraOptions } from '../../../adapters/fatora/index.js';
import authorizeResponse from '../../../fixtures/fatora/authorize-response.json' with { type: 'json' };
import authorizeError from '../../../fixtures/fatora/authorize-error.json' with { type: 'json' };

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

describe('fatora: options and auth', () => {
  it('declares only its own option keys', () => {
    expect(Object.keys(def.optionsShape).sort()).toEqual(['apiKey', 'createMissing', 'token']);
    const schema = z.object(def.optionsShape).strict();
    expect(schema.safeParse({ apiKey: 'key', createMissing: true }).success).toBe(true);
    expect(schema.safeParse({ token: '' }).success).toBe(false);
    expect(schema.safeParse({ token: 'tok', createMissing: 'yes' }).success).toBe(false);
  });

  const check = (options: FatoraOptions) => defined(def.checkOptions)(options);

  it('accepts either credential form and reports none or both on token', () => {
    expect(check({ token: 'tok' })).toEqual([]);
    expect(check({ apiKey: 'key', createMissing: true })).toEqual([]);
    expect(check({ createMissing: true })).toEqual([{ path: 'token', message: 'required: token or apiKey' }]);
    expect(check({ token: 'tok', apiKey: 'key' })).toEqual([
      { path: 'token', message: 'give either token or apiKey, not both' },
    ]);
  });

  it('lists the token and the API key as secrets', () => {
    expect(def.secrets({ token: 'tok-123' })).toEqual(['tok-123']);
    expect(def.secrets({ apiKey: 'E4B73FEE-key' })).toEqual(['E4B73FEE-key']);
  });

  it('turns createMissing on only when asked', () => {
    const createMissing = defined(def.createMissing);
    expect(createMissing({ token: 'tok', createMissing: true })).toBe(true);
    expect(createMissing({ token: 'tok', createMissing: false })).toBe(false);
    expect(createMissing({ token: 'tok' })).toBe(false);
  });

  it('sends a static token as a bearer', () => {
    const auth = def.auth({ token: 'tok-123' });
    expect(auth.token).toBe('tok-123');
    expect(auth.exchange).toBeUndefined();
    expect(auth.headers('tok-123')).toEqual({ Authorization: 'Bearer tok-123' });
    expect(auth.headers(undefined)).toEqual({});
  });

  it('exchanges the API key at GET /v1/Authorization/Authorize, without a lifetime', () => {
    const auth = def.auth({ apiKey: 'E4B73FEE-key' });
    expect(auth.token).toBeUndefined();
    const exchange = defined(auth.exchange);
    expect(exchange.request).toEqual({
      method: 'GET',
      path: '/v1/Authorization/Authorize',
      headers: { api_key: 'E4B73FEE-key' },
      retrySafe: true,
    });
    expect(exchange.parse(authorizeResponse)).toEqual({
      token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.sample-payload.sample-signature',
    });
    expect(exchange.parse(authorizeError)).toBeUndefined();
    expect(exchange.parse({ success: false, bearer_token: 'tok' })).toBeUndefined();
    expect(exchange.parse(null)).toBeUndefined();
    expect(auth.headers('tok')).toEqual({ Authorization: 'Bearer tok' });
  });
});
