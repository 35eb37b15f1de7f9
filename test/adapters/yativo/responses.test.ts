import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Customer } from '../../../src/model/types.js';
import { yativoDefinition as def } from '../../../adapters/yativo/index.js';
import customerFixture from '../../../fixtures/yativo/customer.json' with { type: 'json' };
import createResponse from '../../../fixtures/yativo/create-response.json' with { type: 'json' };
import updateResponse from '../../../fixtures/yativo/update-response.json' with { type: 'json' };
import error400 from '../../../fixtures/yativo/error-400.json' with { type: 'json' };
import error401 from '../../../fixtures/yativo/error-401.json' with { type: 'json' };
import error422 from '../../../fixtures/yativo/error-422.json' with { type: 'json' };

const customer: Customer = customerFixture;

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
const create = defined(def.create);

describe('yativo: responses', () => {
  it('reads the new id from the Add Customer response', () => {
    expect(def.parseSuccess('create', createResponse)).toEqual({ providerId: '5ae2f659-45d2-4256-9f82-2811726a5376' });
  });

  it('reads the id an update echoes, and does without it', () => {
    expect(def.parseSuccess('update', updateResponse)).toEqual({ providerId: '2f103e55-1dc5-40bd-a78c-a4574f7a50e6' });
    expect(def.parseSuccess('update', { status: 'success', message: 'Customer updated' })).toEqual({ providerId: undefined });
    expect(def.parseSuccess('update', { status: 'success', data: {} })).toEqual({ providerId: undefined });
  });

  it.each([
    ['no customer_id', { status: 'success', data: {} }],
    ['no data', { status: 'success' }],
    ['a numeric customer_id', { status: 'success', data: { customer_id: 5 } }],
    ['an error envelope', { status: 'error', data: { customer_id: 'x' } }],
    ['null', null],
    ['a string', 'Created'],
  ])('throws on a create answered with %s', (_label, body) => {
    expect(() => def.parseSuccess('create', body)).toThrow(z.ZodError);
  });

  it.each([
    ['an error envelope', { status: 'error' }],
    ['an empty body', {}],
    ['a string', 'OK'],
  ])('throws on an update answered with %s', (_label, body) => {
    expect(() => def.parseSuccess('update', body)).toThrow(z.ZodError);
  });

  it('reads each documented error body', () => {
    expect(def.errorMessage(400, error400)).toBe('Oops. Error message');
    expect(def.errorMessage(401, error401)).toBe('Unauthenticated.');
    expect(def.errorMessage(422, error422)).toBe(
      'Validation failed: customer_email: The customer email field is required.',
    );
  });

  it('flattens several validation errors', () => {
    const body = {
      message: 'Validation failed',
      errors: { customer_email: ['The customer email field is required.'], customer_phone: ['Too short.', 'Not E.164.'] },
    };
    expect(def.errorMessage(422, body)).toBe(
      'Validation failed: customer_email: The customer email field is required.; customer_phone: Too short. Not E.164.',
    );
  });

  it('reads message on 404, 429 and 500, and nothing from unknown shapes', () => {
    expect(def.errorMessage(404, { status: 'error', status_code: 404, message: 'Customer not found' })).toBe(
      'Customer not found',
    );
    expect(def.errorMessage(429, { message: 'Too Many Attempts.' })).toBe('Too Many Attempts.');
    expect(def.errorMessage(500, { message: 'Server Error' })).toBe('Server Error');
    expect(def.errorMessage(500, {})).toBeUndefined();
    expect(def.errorMessage(502, '<html>Bad gateway</html>')).toBeUndefined();
    expect(def.errorMessage(500, null)).toBeUndefined();
    expect(def.errorMessage(400, { message: 7, data: 'odd', errors: [] })).toBeUndefined();
  });
});

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../fixtures/yativo/${name}`, import.meta.url), 'utf8'));

describe("yativo: its published server's shapes", () => {
  const lookupOf = defined(def.lookup);

  it('reads a create answered with HTTP 200', () => {
    expect(def.parseSuccess('create', fixture('published-create-response.json'))).toEqual({
      providerId: '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
    });
  });

  it('reads field errors from `data` as it reads them from `errors`', () => {
    expect(def.errorMessage(400, fixture('published-error-400-missing-field.json'))).toBe(
      'Request failed.: customer_type: The customer type field is required.',
    );
    expect(def.errorMessage(422, fixture('published-error-422-duplicate-email.json'))).toBe(
      'Request failed.: customer_email: Customer email already exists.',
    );
  });

  it('takes HTTP 400 "Customer not found" as not_found, and nothing else of a 400', () => {
    expect(def.errorKind?.(400, fixture('published-error-400-not-found.json'))).toBe('not_found');
    expect(def.errorMessage(400, fixture('published-error-400-not-found.json'))).toBe('Customer not found');
    expect(def.errorKind?.(400, error400)).toBeUndefined();
    expect(def.errorKind?.(400, fixture('published-error-400-missing-field.json'))).toBeUndefined();
    expect(def.errorKind?.(422, fixture('published-error-400-not-found.json'))).toBeUndefined();
  });

  it('knows a duplicate email in both shapes, and only that 422', () => {
    const conflict = defined(create.conflict);
    expect(conflict.resolve).toBe('lookup');
    expect(conflict.matches(422, fixture('published-error-422-duplicate-email.json'))).toBe(true);
    expect(conflict.matches(422, { message: 'Validation failed', errors: { customer_email: ['The customer email has already been taken.'] } })).toBe(true);
    expect(conflict.matches(422, error422)).toBe(false);
    expect(conflict.matches(400, fixture('published-error-422-duplicate-email.json'))).toBe(false);
  });

  it('looks customers up by email, every page, keeping exact matches only (the filter matches substrings)', () => {
    // The first page asks for the email alone (the server's own page size), the next ones add `page`.
    expect(lookupOf.request(customer, 1).query).toEqual({ email: 'test_customer@yativo.com' });
    expect(lookupOf.request(customer, 2)).toEqual({
      method: 'GET',
      path: '/customer',
      query: { email: 'test_customer@yativo.com', page: '2' },
      retrySafe: true,
    });
    expect(lookupOf.parse(fixture('list-response.json'), customer, 1)).toEqual({
      matches: ['2f103e55-1dc5-40bd-a78c-a4574f7a50e6'],
      more: false,
    });
    const page = (current: number, last: number) => ({ data: [], pagination: { current_page: current, last_page: last } });
    expect(lookupOf.parse({ ...page(1, 3), data: [{ customer_id: 'x', customer_email: 'a@b.c' }] }, customer, 1).more).toBe(true);
    expect(lookupOf.parse(page(3, 3), customer, 3).more).toBe(false);
    // Without a pagination block (no known shape lacks it), the answer is the whole list.
    const many = Array.from({ length: 100 }, (_, i) => ({ customer_id: `id-${i}`, customer_email: `x${i}test_customer@yativo.com` }));
    expect(lookupOf.parse({ data: many }, customer, 1)).toEqual({ matches: [], more: false });
    expect(() => lookupOf.parse({ data: [{ customer_id: 'x' }] }, customer, 1)).toThrow();
  });
});
