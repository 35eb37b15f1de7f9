import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { BodyResult } from '../../src/adapter/definition.js';
import type { Customer } from '../../src/model/types.js';
import { yativo, yativoDefinition as def, type YativoOptions } from '../../adapters/yativo/index.js';
import { toMonthYear } from '../../adapters/yativo/mapping.js';
import { createAdapter } from '../../src/adapter/create-adapter.js';
import customerFixture from '../../fixtures/yativo/customer.json' with { type: 'json' };
import createRequest from '../../fixtures/yativo/create-request.json' with { type: 'json' };
import updateRequest from '../../fixtures/yativo/update-request.json' with { type: 'json' };
import createResponse from '../../fixtures/yativo/create-response.json' with { type: 'json' };
import updateResponse from '../../fixtures/yativo/update-response.json' with { type: 'json' };
import error400 from '../../fixtures/yativo/error-400.json' with { type: 'json' };
import error401 from '../../fixtures/yativo/error-401.json' with { type: 'json' };
import error422 from '../../fixtures/yativo/error-422.json' with { type: 'json' };
import loginResponse from '../../fixtures/yativo/login-response.json' with { type: 'json' };

vi.mock('../../src/adapter/create-adapter.js', () => ({ createAdapter: vi.fn(() => ({ id: 'yativo' })) }));

const customer: Customer = customerFixture;
const minimal: Customer = { id: 'c-1', email: 'ann@example.com' };

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
const create = defined(def.create);

function bodyOf(result: BodyResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected a body, got: ${result.message}`);
  expect(result.warnings).toEqual([]);
  return result.body;
}

describe('yativo: documented examples', () => {
  it('maps the Add Customer example to POST /customer with the page body', () => {
    const body = bodyOf(create.body(customer));
    // Not retry-safe: the key is sent but not trusted (its published server ignores it); a lookup comes first.
    expect(create.request(body)).toEqual({ method: 'POST', path: '/customer', body: createRequest, retrySafe: false });
  });

  it('maps the same customer to PUT /customer/{id} without the identity document', () => {
    const body = bodyOf(def.updateBody(customer));
    expect(def.updateRequest('2f103e55-1dc5-40bd-a78c-a4574f7a50e6', body)).toEqual({
      method: 'PUT',
      path: '/customer/2f103e55-1dc5-40bd-a78c-a4574f7a50e6',
      body: updateRequest,
      retrySafe: true,
    });
  });
});

describe('yativo: body mapping', () => {
  it('omits every field the record lacks', () => {
    expect(bodyOf(def.updateBody(minimal))).toEqual({ customer_email: 'ann@example.com' });
    expect(bodyOf(create.body({ ...minimal, name: 'Ann', phone: '+15551234567', country: 'US' }))).toEqual({
      customer_name: 'Ann',
      customer_email: 'ann@example.com',
      customer_phone: '+15551234567',
      customer_country: 'USA',
      customer_type: 'individual',
    });
  });

  it('sends customer_type on every create: the kind, else individual; never on an update', () => {
    const base = { ...minimal, name: 'Ann', phone: '+15551234567', country: 'US' };
    expect(bodyOf(create.body({ ...base, kind: 'business' })).customer_type).toBe('business');
    expect(bodyOf(create.body({ ...base, kind: 'individual' })).customer_type).toBe('individual');
    expect(bodyOf(create.body(base)).customer_type).toBe('individual');
    expect(bodyOf(def.updateBody({ ...base, kind: 'business' }))).not.toHaveProperty('customer_type');
  });

  it('sends no address fields at all without an address', () => {
    const body = bodyOf(def.updateBody({ ...minimal, country: 'US' }));
    expect(body).toEqual({ customer_email: 'ann@example.com', customer_country: 'USA' });
    expect(body).not.toHaveProperty('customer_address');
  });

  it('leaves out an address with nothing in it', () => {
    expect(bodyOf(def.updateBody({ ...minimal, address: {} }))).toEqual({ customer_email: 'ann@example.com' });
  });

  it('sends only the address parts present, zipcode from postalCode', () => {
    expect(bodyOf(def.updateBody({ ...minimal, address: { city: 'Anytown', postalCode: '12345' } }))).toEqual({
      customer_email: 'ann@example.com',
      customer_address: { city: 'Anytown', zipcode: '12345' },
    });
  });

  it('takes customer_country from country, else from address.country, as alpha-3', () => {
    expect(bodyOf(def.updateBody({ ...minimal, country: 'MX', address: { city: 'Austin', country: 'US' } }))).toEqual({
      customer_email: 'ann@example.com',
      customer_country: 'MEX',
      customer_address: { city: 'Austin', country: 'USA' },
    });
    expect(bodyOf(def.updateBody({ ...minimal, address: { city: 'Santiago', country: 'CL' } }))).toEqual({
      customer_email: 'ann@example.com',
      customer_country: 'CHL',
      customer_address: { city: 'Santiago', country: 'CHL' },
    });
  });

  it('takes the address country from address.country, else from country', () => {
    expect(bodyOf(def.updateBody({ ...minimal, country: 'BR', address: { city: 'Recife' } }))).toEqual({
      customer_email: 'ann@example.com',
      customer_country: 'BRA',
      customer_address: { city: 'Recife', country: 'BRA' },
    });
  });

  it('turns YYYY-MM into MM/YY', () => {
    expect(toMonthYear('2024-04')).toBe('04/24');
    expect(toMonthYear('1999-12')).toBe('12/99');
    expect(toMonthYear('2031-01')).toBe('01/31');
    expect(() => toMonthYear('2024-4')).toThrow(RangeError);
  });

  it('adds only the identity-document fields present, the country as an English name', () => {
    const base = { ...minimal, name: 'Ann', phone: '+15551234567', country: 'US' };
    expect(bodyOf(create.body({ ...base, identityDocument: { country: 'GB', expiresOn: '2031-01' } }))).toEqual({
      customer_name: 'Ann',
      customer_email: 'ann@example.com',
      customer_phone: '+15551234567',
      customer_country: 'USA',
      customer_type: 'individual',
      customer_idCountry: 'United Kingdom',
      customer_idExpiration: '01/31',
    });
  });

  it('keeps create-only fields out of the update body (and so out of the change hash)', () => {
    const body = bodyOf(def.updateBody(customer));
    expect(Object.keys(body).filter((key) => key.startsWith('customer_id'))).toEqual([]);
  });

  it('never sends null or empty strings', () => {
    const body = JSON.stringify(bodyOf(create.body(customer)));
    expect(body).not.toContain('null');
    expect(body).not.toContain('""');
  });
});

describe('yativo: fields a create requires', () => {
  const complete: Customer = { ...minimal, name: 'Ann', phone: '+15551234567', country: 'US' };

  it.each([
    ['name', { ...complete, name: undefined }],
    ['phone', { ...complete, phone: undefined }],
    ['country', { ...complete, country: undefined, address: { city: 'Austin' } }],
  ])('fails without %s', (field, record) => {
    expect(create.body(record)).toEqual({
      ok: false,
      message: `Yativo requires ${field} to create a customer; the record has none`,
    });
  });

  it('names every missing field at once', () => {
    expect(create.body(minimal)).toEqual({
      ok: false,
      message: 'Yativo requires name, phone and country to create a customer; the record has none of them',
    });
    expect(create.body({ ...complete, name: undefined, phone: undefined })).toEqual({
      ok: false,
      message: 'Yativo requires name and phone to create a customer; the record has none of them',
    });
  });

  it('accepts the country from the address', () => {
    expect(create.body({ ...complete, country: undefined, address: { country: 'US' } }).ok).toBe(true);
  });

  it('still updates a record a create would refuse', () => {
    expect(def.updateBody(minimal).ok).toBe(true);
  });
});

describe('yativo: path ids', () => {
  it.each([
    ['a/b', '/customer/a%2Fb'],
    ['a?b=c', '/customer/a%3Fb%3Dc'],
    ['a#b', '/customer/a%23b'],
    ['../admin', '/customer/..%2Fadmin'],
    ['a/../b', '/customer/a%2F..%2Fb'],
    ['ä ü', '/customer/%C3%A4%20%C3%BC'],
  ])('keeps %j in one encoded segment', (id, path) => {
    const request = def.updateRequest(id, {});
    expect(request.path).toBe(path);
    const url = new URL(`https://api.yativo.com/api/v1${request.path}`);
    expect(url.pathname).toBe(`/api/v1${path}`);
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    expect(decodeURIComponent(url.pathname.split('/').at(-1) ?? '')).toBe(id);
  });

  it.each(['..', '.', ''])('refuses %j, which no URL can hold as a segment', (id) => {
    expect(() => def.updateRequest(id, {})).toThrow(RangeError);
  });
});

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

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/yativo/${name}`, import.meta.url), 'utf8'));

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

describe('yativo: definition', () => {
  it('creates whenever no id is known, with idempotency keys, and looks customers up by email', () => {
    expect(def.id).toBe('yativo');
    expect(def.defaultBaseUrl).toBe('https://api.yativo.com/api/v1');
    expect(def.idempotencyHeader).toBe('Idempotency-Key');
    expect(create.when).toBe('no-id');
    expect(def.defaultId).toBeUndefined();
    expect(def.createMissing).toBeUndefined();
    expect(def.lookup?.key).toBe('email');
  });

  it('builds the adapter through createAdapter', () => {
    const options = { token: 'tok', timeoutMs: 5000 };
    expect(yativo(options)).toEqual({ id: 'yativo' });
    expect(createAdapter).toHaveBeenCalledWith(def, options);
  });
});
