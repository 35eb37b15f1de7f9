import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bluetapeDefinition, type BlueTapeOptions } from '../../../adapters/bluetape/index.js';

const definition = bluetapeDefinition;
const options: BlueTapeOptions = { apiKey: 'bt-key-123456', accountId: 'acct-42' };

describe('BlueTape options and auth', () => {
  it('sends the key and the account id on every request, and no Authorization', () => {
    const auth = definition.auth(options);
    const expected = { 'X-BlueTape-Key': 'bt-key-123456', 'X-Integration-AccountId': 'acct-42' };
    expect(auth.headers(undefined)).toStrictEqual(expected);
    expect(auth.headers('ignored')).toStrictEqual(expected);
    expect(auth.token).toBeUndefined();
    expect(auth.exchange).toBeUndefined();
  });

  it('redacts the API key', () => {
    expect(definition.secrets(options)).toStrictEqual(['bt-key-123456']);
  });

  it('creates missing customers only when asked', () => {
    expect(definition.createMissing?.(options)).toBe(false);
    expect(definition.createMissing?.({ ...options, createMissing: false })).toBe(false);
    expect(definition.createMissing?.({ ...options, createMissing: true })).toBe(true);
  });

  it('declares only its own option keys, credentials required', () => {
    const schema = z.strictObject(definition.optionsShape);
    expect(Object.keys(definition.optionsShape).sort()).toStrictEqual(['accountId', 'apiKey', 'createMissing']);
    expect(schema.safeParse({ apiKey: 'k', accountId: 'a' }).success).toBe(true);
    expect(schema.safeParse({ apiKey: 'k', accountId: 'a', createMissing: true }).success).toBe(true);
    expect(schema.safeParse({ apiKey: 'k' }).success).toBe(false);
    expect(schema.safeParse({ accountId: 'a' }).success).toBe(false);
    expect(schema.safeParse({ apiKey: '', accountId: 'a' }).success).toBe(false);
    expect(schema.safeParse({ apiKey: 'k', accountId: 'a', createMissing: 'yes' }).success).toBe(false);
  });
});
