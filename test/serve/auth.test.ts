import type * as Crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ timingSafeEqual: [] as Array<[number, number]> }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof Crypto>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.timingSafeEqual.push([a.byteLength, b.byteLength]);
      return crypto.timingSafeEqual(a, b);
    },
  };
});

const { bearerCheck } = await import('../../src/serve/auth.js');

const TOKENS = ['first-token-0123456789', 'second-token-abcdefghijklmnop', 'third'.repeat(20)];

describe('bearerCheck', () => {
  it('accepts each configured token as "Bearer <token>", the scheme in any case', () => {
    const check = bearerCheck(TOKENS);
    for (const token of TOKENS) expect(check(`Bearer ${token}`)).toBe(true);
    expect(check(`bearer ${TOKENS[0]}`)).toBe(true);
  });

  it('refuses no header, another scheme, a token with something before or after it, and an empty token', () => {
    const check = bearerCheck(TOKENS);
    for (const header of [undefined, '', 'Bearer', 'Bearer ', `Basic ${TOKENS[0]}`, `Bearer ${TOKENS[0]}x`, `Bearer x${TOKENS[0]}`, `Bearer ${TOKENS[0]} ${TOKENS[1]}`, TOKENS[0]]) {
      expect({ header, ok: check(header) }).toEqual({ header, ok: false });
    }
  });

  it('compares 32-byte digests with timingSafeEqual against every configured token, a match on the first one too', () => {
    const check = bearerCheck(TOKENS);
    for (const header of [`Bearer ${TOKENS[0]}`, 'Bearer short', undefined]) {
      calls.timingSafeEqual.length = 0;
      check(header);
      expect(calls.timingSafeEqual).toEqual(TOKENS.map(() => [32, 32]));
    }
  });

  it('refuses to be made without tokens, or with an empty one', () => {
    expect(() => bearerCheck([])).toThrow(RangeError);
    expect(() => bearerCheck(['a-good-token-0123456789', ''])).toThrow(RangeError);
  });
});
