import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invisibleCollectorDefinition, type InvisibleCollectorOptions } from '../../../adapters/invisible-collector/index.js';

const definition = invisibleCollectorDefinition;
const options: InvisibleCollectorOptions = { token: 'ic-token-abcdef' };

describe('Invisible Collector options and auth', () => {
  it('sends the static token as a bearer token', () => {
    const auth = definition.auth(options);
    expect(auth.token).toBe('ic-token-abcdef');
    expect(auth.exchange).toBeUndefined();
    expect(auth.headers(auth.token)).toStrictEqual({ Authorization: 'Bearer ic-token-abcdef' });
    expect(auth.headers(undefined)).toStrictEqual({});
  });

  it('redacts the token', () => {
    expect(definition.secrets(options)).toStrictEqual(['ic-token-abcdef']);
  });

  it('creates missing customers only when asked', () => {
    expect(definition.createMissing?.(options)).toBe(false);
    expect(definition.createMissing?.({ ...options, createMissing: true })).toBe(true);
  });

  it('declares only its own option keys, the token required', () => {
    const schema = z.strictObject(definition.optionsShape);
    expect(Object.keys(definition.optionsShape).sort()).toStrictEqual(['createMissing', 'token']);
    expect(schema.safeParse({ token: 't' }).success).toBe(true);
    expect(schema.safeParse({ token: 't', createMissing: true }).success).toBe(true);
    expect(schema.safeParse({}).success).toBe(false);
    expect(schema.safeParse({ token: '' }).success).toBe(false);
    expect(schema.safeParse({ token: 't', createMissing: 1 }).success).toBe(false);
  });
});
