import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { BodyResult } from '../../src/adapter/definition.js';
import type { Address, Customer } from '../../src/model/types.js';
import { fatora, fatoraDefinition as def, type FatoraOptions } from '../../adapters/fatora/index.js';
import { lookupParse } from '../../adapters/fatora/responses.js';
import { createAdapter } from '../../src/adapter/create-adapter.js';
import customerFixture from '../../fixtures/fatora/customer.json' with { type: 'json' };
import updateRequest from '../../fixtures/fatora/update-request.json' with { type: 'json' };
import updateResponse from '../../fixtures/fatora/update-response.json' with { type: 'json' };
import authorizeResponse from '../../fixtures/fatora/authorize-response.json' with { type: 'json' };
import authorizeError from '../../fixtures/fatora/authorize-error.json' with { type: 'json' };
import error400 from '../../fixtures/fatora/error-400.json' with { type: 'json' };
import lookupResponse from '../../fixtures/fatora/lookup-response.json' with { type: 'json' };

vi.mock('../../src/adapter/create-adapter.js', () => ({ createAdapter: vi.fn(() => ({ id: 'fatora' })) }));

const customer: Customer = customerFixture;
const minimal: Customer = { id: 'c-1', email: 'ann@example.com' };

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
const create = defined(def.create);
const lookup = defined(def.lookup);

function bodyOf(result: BodyResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected a body, got: ${result.message}`);
  expect(result.warnings).toEqual([]);
  return result.body;
}

describe('fatora: documented example', () => {
  it('maps the Update Client example to PUT /v1/clients/1024', () => {
    const body = bodyOf(def.updateBody(customer));
    expect(def.updateRequest(String(customerFixture.providerIds.fatora), body)).toEqual({
      method: 'PUT',
      path: '/v1/clients/1024',
      body: updateRequest,
      retrySafe: true,
    });
  });

  it('creates with the same body at POST /v1/clients, never replayed', () => {
    const body = bodyOf(create.body(customer));
    expect(create.request(body)).toEqual({ method: 'POST', path: '/v1/clients', body: updateRequest, retrySafe: false });
  });
});

describe('fatora: body mapping', () => {
  it('omits every field the record lacks', () => {
    expect(bodyOf(def.updateBody(minimal))).toEqual({ email: 'ann@example.com' });
    expect(bodyOf(create.body(minimal))).toEqual({ email: 'ann@example.com' });
    expect(bodyOf(def.updateBody({ ...minimal, phone: '+96555512345', notes: 'VIP' }))).toEqual({
      email: 'ann@example.com',
      phone: '+96555512345',
      notes: 'VIP',
    });
  });

  it('sends no address line without an address, not even the country', () => {
    const body = bodyOf(def.updateBody({ ...minimal, country: 'JO' }));
    expect(body).toEqual({ email: 'ann@example.com' });
    expect(body).not.toHaveProperty('address');
    expect(bodyOf(def.updateBody({ ...minimal, address: {} }))).toEqual({ email: 'ann@example.com' });
  });

  const line = (address: Address, country?: string): unknown =>
    bodyOf(def.updateBody({ ...minimal, country, address })).address;

  it.each<[string, Address, string | undefined, string]>([
    ['street only', { street: 'Rainbow Street' }, 'JO', 'Rainbow Street, JO'],
    ['number and city', { number: '12', city: 'Amman' }, undefined, '12, Amman'],
    ['state only', { state: 'Amman Governorate' }, undefined, 'Amman Governorate'],
    ['postal code and country', { postalCode: '11118', country: 'JO' }, undefined, '11118, JO'],
    ['city and postal code', { city: 'Amman', postalCode: '11118' }, 'JO', 'Amman, 11118, JO'],
    ['state and postal code', { state: 'Hawalli', postalCode: '32001' }, undefined, 'Hawalli 32001'],
    ['country alone, given in the address', { country: 'KW' }, undefined, 'KW'],
  ])('joins the parts present (%s)', (_label, address, country, expected) => {
    const result = line(address, country);
    expect(result).toBe(expected);
    expect(result).not.toMatch(/(^, )|(, ,)|(, $)|( {2})|(^ )|( $)/);
  });

  it('takes the country from address.country, else from country, as alpha-2', () => {
    expect(line({ city: 'Amman', country: 'JO' }, 'KW')).toBe('Amman, JO');
    expect(line({ city: 'Kuwait City' }, 'KW')).toBe('Kuwait City, KW');
  });

  it('never sends null or empty strings', () => {
    const body = JSON.stringify(bodyOf(def.updateBody({ ...minimal, address: { street: 'X' } })));
    expect(body).not.toContain('null');
    expect(body).not.toContain('""');
  });
});

describe('fatora: path ids', () => {
  it.each([
    ['1024', '/v1/clients/1024'],
    ['a/b', '/v1/clients/a%2Fb'],
    ['a?b=c', '/v1/clients/a%3Fb%3Dc'],
    ['a#b', '/v1/clients/a%23b'],
    ['../admin', '/v1/clients/..%2Fadmin'],
  ])('keeps %j in one encoded segment', (id, path) => {
    const request = def.updateRequest(id, {});
    expect(request.path).toBe(path);
    const url = new URL(`https://api.fatora.io${request.path}`);
    expect(url.pathname).toBe(path);
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    expect(decodeURIComponent(url.pathname.split('/').at(-1) ?? '')).toBe(id);
  });

  it.each(['..', '.', ''])('refuses %j, which no URL can hold as a segment', (id) => {
    expect(() => def.updateRequest(id, {})).toThrow(RangeError);
  });
});

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

describe('fatora: definition', () => {
  it('creates only on request, without idempotency keys, and explains a skip', () => {
    expect(def.id).toBe('fatora');
    expect(def.defaultBaseUrl).toBe('https://api.fatora.io');
    expect(def.idempotencyHeader).toBeUndefined();
    expect(create.when).toBe('on-missing');
    // A 409 ("same data of existing client") is adopted only through the lookup by email.
    expect(create.conflict?.resolve).toBe('lookup');
    expect(create.conflict?.matches(409, {})).toBe(true);
    expect(create.conflict?.matches(422, {})).toBe(false);
    expect(def.defaultId).toBeUndefined();
    expect(def.skipReason(minimal)).toBe('no Fatora client id is known (providerIds.fatora) and createMissing is off');
  });

  it('builds the adapter through createAdapter', () => {
    const options = { apiKey: 'key', createMissing: true };
    expect(fatora(options)).toEqual({ id: 'fatora' });
    expect(createAdapter).toHaveBeenCalledWith(def, options);
  });
});
