import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { yativoDefinition as def, type YativoOptions } from '../../../adapters/yativo/index.js';
import error401 from '../../../fixtures/yativo/error-401.json' with { type: 'json' };
import loginResponse from '../../../fixtures/yativo/login-response.json' with { type: 'json' };

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

describe('yativo: options and auth', () => {
  it('declares only its own option keys', () => {
    expect(Object.keys(def.optionsShape).sort()).toEqual(['accountId', 'appSecret', 'token']);
    const schema = z.object(def.optionsShape).strict();
    expect(schema.safeParse({ token: 'tok' }).success).toBe(true);
    expect(schema.safeParse({ token: '' }).success).toBe(false);
    expect(schema.safeParse({ accountId: 42, appSecret: 'sec' }).success).toBe(false);
  });

  const check = (options: YativoOptions) => defined(def.checkOptions)(options);

  it('accepts either credential form', () => {
    expect(check({ token: 'tok' })).toEqual([]);
    expect(check({ accountId: 'acc', appSecret: 'sec' })).toEqual([]);
  });

  it('reports a missing or incomplete credential on token', () => {
    expect(check({})).toEqual([{ path: 'token', message: 'required: token, or accountId and appSecret' }]);
    expect(check({ accountId: 'acc' })).toEqual([
      { path: 'token', message: 'required: token, or accountId and appSecret (appSecret is missing)' },
    ]);
    expect(check({ appSecret: 'sec' })).toEqual([
      { path: 'token', message: 'required: token, or accountId and appSecret (accountId is missing)' },
    ]);
  });

  it('reports both forms at once', () => {
    const issue = [{ path: 'token', message: 'give either token or accountId and appSecret, not both' }];
    expect(check({ token: 'tok', accountId: 'acc', appSecret: 'sec' })).toEqual(issue);
    expect(check({ token: 'tok', appSecret: 'sec' })).toEqual(issue);
  });

  it('lists the token and the app secret as secrets, not the account id', () => {
    expect(def.secrets({ token: 'tok-123' })).toEqual(['tok-123']);
    expect(def.secrets({ accountId: 'acc-1', appSecret: 'sec-1' })).toEqual(['sec-1']);
  });

  it('sends a static token as a bearer', () => {
    const auth = def.auth({ token: 'tok-123' });
    expect(auth.token).toBe('tok-123');
    expect(auth.exchange).toBeUndefined();
    expect(auth.headers('tok-123')).toEqual({ Authorization: 'Bearer tok-123' });
    expect(auth.headers(undefined)).toEqual({});
  });

  it('exchanges accountId and appSecret at POST /auth/login', () => {
    const auth = def.auth({ accountId: 'acc-1', appSecret: 'sec-1' });
    expect(auth.token).toBeUndefined();
    const exchange = defined(auth.exchange);
    expect(exchange.request).toEqual({
      method: 'POST',
      path: '/auth/login',
      body: { account_id: 'acc-1', app_secret: 'sec-1' },
      retrySafe: true,
    });
    expect(exchange.parse(loginResponse)).toEqual({
      token: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.sample-payload.sample-signature',
      expiresInSeconds: 600,
    });
    expect(exchange.parse({ data: { access_token: 'tok', expires_in: 300 } })).toEqual({
      token: 'tok',
      expiresInSeconds: 300,
    });
    expect(exchange.parse({ data: { access_token: 'tok' } })).toEqual({ token: 'tok', expiresInSeconds: 600 });
    expect(auth.headers('tok')).toEqual({ Authorization: 'Bearer tok' });
  });

  it('finds no token in other bodies', () => {
    const exchange = defined(def.auth({ accountId: 'acc-1', appSecret: 'sec-1' }).exchange);
    expect(exchange.parse(error401)).toBeUndefined();
    expect(exchange.parse({ data: { access_token: '' } })).toBeUndefined();
    expect(exchange.parse(null)).toBeUndefined();
  });
});
