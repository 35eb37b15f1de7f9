import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Customer } from '../../../src/model/types.js';
import { fatoraDefinition as def } from '../../../adapters/fatora/index.js';
import { lookupParse } from '../../../adapters/fatora/responses.js';
import customerFixture from '../../../fixtures/fatora/customer.json' with { type: 'json' };
import updateResponse from '../../../fixtures/fatora/update-response.json' with { type: 'json' };
import authorizeError from '../../../fixtures/fatora/authorize-error.json' with { type: 'json' };
import error400 from '../../../fixtures/fatora/error-400.json' with { type: 'json' };
import lookupResponse from '../../../fixtures/fatora/lookup-response.json' with { type: 'json' };

const customer: Customer = customerFixture;

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
const lookup = defined(def.lookup);

describe('fatora: responses', () => {
  it('reads the client id as a string, for updates and creates', () => {
    expect(def.parseSuccess('update', updateResponse)).toEqual({ providerId: '1024' });
    expect(def.parseSuccess('create', { status: 'SUCCESS', client: { id: 2048 } })).toEqual({ providerId: '2048' });
  });

  it.each([
    ['a string id', { status: 'SUCCESS', client: { id: '1024' } }],
    ['a fractional id', { status: 'SUCCESS', client: { id: 10.5 } }],
    ['no client', { status: 'SUCCESS' }],
    ['an error status', { status: 'ERROR', client: { id: 1024 } }],
    ['a lower-case status', { status: 'success', client: { id: 1024 } }],
    ['null', null],
  ])('throws on %s', (_label, body) => {
    expect(() => def.parseSuccess('update', body)).toThrow(z.ZodError);
  });

  it('reads each documented error body', () => {
    expect(def.errorMessage(400, error400)).toBe('The email field is required.');
    expect(def.errorMessage(401, authorizeError)).toBe('Invalid API Key');
  });

  it('reads message, description or detail from an error object, in that order', () => {
    expect(def.errorMessage(400, { status: 'ERROR', error: { description: 'Bad phone' } })).toBe('Bad phone');
    expect(def.errorMessage(404, { status: 'ERROR', error: { detail: 'No such client' } })).toBe('No such client');
    expect(def.errorMessage(400, { error: { detail: 'd', description: 'c', message: 'm' } })).toBe('m');
    expect(def.errorMessage(400, { error: { message: '', description: 'c' } })).toBe('c');
  });

  it('falls back to the object itself, compact and at most 200 characters', () => {
    expect(def.errorMessage(409, { status: 'ERROR', error: { code: 409, reason: 'duplicate' } })).toBe(
      '{"code":409,"reason":"duplicate"}',
    );
    const long = def.errorMessage(400, { error: { fields: 'x'.repeat(300) } });
    expect(long).toBe(`{"fields":"${'x'.repeat(188)}…`);
    expect(long).toHaveLength(200);
  });

  it('reads a top-level message, and nothing from unknown shapes', () => {
    expect(def.errorMessage(403, { message: 'Inactive key' })).toBe('Inactive key');
    expect(def.errorMessage(400, { status: 'ERROR', error: '' })).toBeUndefined();
    expect(def.errorMessage(500, {})).toBeUndefined();
    expect(def.errorMessage(500, 'Internal Server Error')).toBeUndefined();
    expect(def.errorMessage(500, null)).toBeUndefined();
  });
});

describe('fatora: lookup by email', () => {
  const unknown: Customer = { ...customer, providerIds: undefined };

  it('asks for each page of 20 clients with this email', () => {
    expect(lookup.request(unknown, 1)).toEqual({
      method: 'GET',
      path: '/v1/clients',
      query: { email: 'client@example.com', page: '1', page_size: '20' },
      retrySafe: true,
    });
    expect(lookup.request(unknown, 3).query).toEqual({ email: 'client@example.com', page: '3', page_size: '20' });
    expect(lookup.key).toBe('email');
  });

  /** The exact matches of one page; whether another page follows is tested below. */
  const parse = (body: unknown, c: Customer): string | undefined => {
    const { matches } = lookupParse(body, c);
    return matches.length === 0 ? undefined : matches.join(',');
  };

  it('reads on while a page is full (20 clients), and stops at a shorter one', () => {
    const near = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, email: `x${i}client@example.com` }));
    expect(lookupParse({ status: 'SUCCESS', clients: near }, unknown)).toEqual({ matches: [], more: true });
    expect(lookupParse({ status: 'SUCCESS', clients: near.slice(0, 19) }, unknown)).toEqual({ matches: [], more: false });
    expect(lookupParse({ status: 'SUCCESS', clients: [] }, unknown)).toEqual({ matches: [], more: false });
  });

  it('returns every exact match of a page, so several are seen as ambiguous', () => {
    const twins = { status: 'SUCCESS', clients: [{ id: 4, email: 'client@example.com' }, { id: 5, email: 'Client@example.com' }] };
    expect(lookupParse(twins, unknown)).toEqual({ matches: ['4', '5'], more: false });
  });

  it('is the lookup parser of the definition', () => {
    expect(lookup.parse).toBe(lookupParse);
  });
  const list = (...clients: Array<{ id: number; email: string | null }>) => ({ status: 'SUCCESS', clients });

  it('finds the documented client', () => {
    expect(parse(lookupResponse, unknown)).toBe('123');
  });

  it('matches the email exactly, ignoring case only', () => {
    expect(parse(list({ id: 7, email: 'CLIENT@Example.com' }), unknown)).toBe('7');
    expect(parse(list({ id: 7, email: 'joclient@example.com' }, { id: 8, email: 'client@example.co' }), unknown)).toBe(
      undefined,
    );
    expect(
      parse(list({ id: 7, email: 'joclient@example.com' }, { id: 8, email: null }, { id: 9, email: 'client@example.com' }), unknown),
    ).toBe('9');
  });

  it('finds nothing in an empty list', () => {
    expect(parse(list(), unknown)).toBeUndefined();
  });

  it.each([
    ['an error', authorizeError],
    ['no clients', { status: 'SUCCESS' }],
    ['a string id', { status: 'SUCCESS', clients: [{ id: '123', email: 'client@example.com' }] }],
    ['clients without email', { status: 'SUCCESS', clients: [{ id: 123 }] }],
  ])('throws on %s', (_label, body) => {
    expect(() => parse(body, unknown)).toThrow(z.ZodError);
  });
});
