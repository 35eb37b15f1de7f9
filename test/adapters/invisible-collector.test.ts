import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { BodyResult, RequestSpec } from '../../src/adapter/definition.js';
import type { Customer } from '../../src/model/types.js';
import { createAdapter } from '../../src/adapter/create-adapter.js';
import {
  invisibleCollector,
  invisibleCollectorDefinition,
  type InvisibleCollectorOptions,
} from '../../adapters/invisible-collector/index.js';
import customerJson from '../../fixtures/invisible-collector/customer.json' with { type: 'json' };
import updateRequest from '../../fixtures/invisible-collector/update-request.json' with { type: 'json' };
import updateResponse from '../../fixtures/invisible-collector/update-response.json' with { type: 'json' };
import findResponse from '../../fixtures/invisible-collector/find-response.json' with { type: 'json' };
import error404 from '../../fixtures/invisible-collector/error-404.json' with { type: 'json' };
import error409 from '../../fixtures/invisible-collector/error-409.json' with { type: 'json' };
import error422 from '../../fixtures/invisible-collector/error-422.json' with { type: 'json' };

// createAdapter's body is written elsewhere; the factory only has to hand it the definition and the options.
vi.mock('../../src/adapter/create-adapter.js', () => ({
  createAdapter: vi.fn(() => ({ id: 'invisible-collector' })),
}));

const definition = invisibleCollectorDefinition;
const documented: Customer = customerJson;
const options: InvisibleCollectorOptions = { token: 'ic-token-abcdef' };
const GID = '061d2feb-81c2-4694-a74a-13cecbe7d2ce';

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
const create = defined(definition.create);
const lookup = defined(definition.lookup);

function bodyOf(result: BodyResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected a body, got: ${result.message}`);
  return result.body;
}

describe('Invisible Collector update', () => {
  it('builds the documented example body from the documented customer', () => {
    expect(definition.updateBody(documented)).toStrictEqual({ ok: true, body: updateRequest, warnings: [] });
  });

  it('sends PUT /customers/{id} with that body, safe to retry', () => {
    const body = bodyOf(definition.updateBody(documented));
    expect(definition.updateRequest('123', body)).toStrictEqual({
      method: 'PUT',
      path: '/customers/123',
      body: updateRequest,
      retrySafe: true,
    } satisfies RequestSpec);
  });

  it('sends externalId = our id even when addressing the customer by its gid', () => {
    const linked: Customer = { ...documented, providerIds: { 'invisible-collector': GID } };
    expect(bodyOf(definition.updateBody(linked)).externalId).toBe('123');
  });

  it('omits every field the record lacks', () => {
    const minimal: Customer = { id: 'c1', email: 'a@example.com', country: 'ES' };
    expect(definition.updateBody(minimal)).toStrictEqual({
      ok: true,
      body: { externalId: 'c1', country: 'ES', email: 'a@example.com' },
      warnings: [],
    });
  });

  it('sends no address fields without an address', () => {
    const { address: _address, ...rest } = documented;
    const body = bodyOf(definition.updateBody(rest));
    expect(body).toStrictEqual({
      name: 'John Doe Inc.',
      externalId: '123',
      vatNumber: 'PT543219876',
      country: 'PT',
      email: 'john.doe@example.com',
      phone: '+351215598745',
      locale: 'pt',
    });
  });

  it('sends only the address parts the record has', () => {
    const { address: _address, zipCode: _zipCode, ...withoutStreetAndZip } = updateRequest;
    expect(bodyOf(definition.updateBody({ ...documented, address: { city: 'Porto' } }))).toStrictEqual({
      ...withoutStreetAndZip,
      city: 'Porto',
    });
    const streetOnly = bodyOf(definition.updateBody({ ...documented, address: { street: 'Rua Augusta' } }));
    expect(streetOnly.address).toBe('Rua Augusta');
    expect(Object.keys(streetOnly)).not.toContain('zipCode');
    expect(Object.keys(streetOnly)).not.toContain('city');
  });

  it('has no field for the state', () => {
    const body = bodyOf(definition.updateBody({ ...documented, address: { ...documented.address, state: 'Lisboa' } }));
    expect(body).toStrictEqual(updateRequest);
  });
});

describe('Invisible Collector country', () => {
  it('comes from country first', () => {
    const body = bodyOf(definition.updateBody({ ...documented, country: 'ES', address: { country: 'FR' } }));
    expect(body.country).toBe('ES');
  });

  it('comes from address.country when the record has no country', () => {
    const { country: _country, ...rest } = documented;
    const body = bodyOf(definition.updateBody({ ...rest, address: { city: 'Paris', country: 'FR' } }));
    expect(body.country).toBe('FR');
    expect(body.city).toBe('Paris');
  });

  it('is required', () => {
    const { country: _country, ...rest } = documented;
    const message = 'Invisible Collector requires country; the record has neither country nor address.country';
    expect(definition.updateBody(rest)).toStrictEqual({ ok: false, message });
    expect(create.body(rest)).toStrictEqual({ ok: false, message });
  });
});

describe('Invisible Collector locale', () => {
  it.each([
    ['pt', 'pt'],
    ['pt-PT', 'pt'],
    ['pt-BR', 'pt'],
    ['es', 'es'],
    ['es-419', 'es'],
    ['en', 'en'],
    ['en-US', 'en'],
    ['en-GB', 'en'],
    ['fr', 'fr-fr'],
    ['fr-FR', 'fr-fr'],
    ['fr-CA', 'fr-fr'],
    ['de', 'de'],
    ['de-AT', 'de'],
    ['zh', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['zh-Hant-TW', 'zh-CN'],
  ])('maps %s to %s', (locale, expected) => {
    const result = definition.updateBody({ ...documented, locale });
    expect(result).toStrictEqual({ ok: true, body: { ...updateRequest, locale: expected }, warnings: [] });
  });

  it.each(['it-IT', 'it', 'nl-NL', 'ja', 'ptb'])('leaves %s out with a warning', (locale) => {
    const { locale: _locale, ...expected } = updateRequest;
    expect(definition.updateBody({ ...documented, locale })).toStrictEqual({
      ok: true,
      body: expected,
      warnings: [`locale ${locale} is not supported by Invisible Collector; left out`],
    });
  });

  it('words the warning exactly', () => {
    const result = definition.updateBody({ ...documented, locale: 'it-IT' });
    const warning = 'locale it-IT is not supported by Invisible Collector; left out';
    expect(result.ok && result.warnings).toStrictEqual([warning]);
  });

  it('sends no locale and no warning when the record has none', () => {
    const { locale: _locale, ...rest } = documented;
    const { locale: _sent, ...expected } = updateRequest;
    expect(definition.updateBody(rest)).toStrictEqual({ ok: true, body: expected, warnings: [] });
  });
});

describe('Invisible Collector create (createMissing)', () => {
  it('is only tried on a missing customer', () => {
    expect(create.when).toBe('on-missing');
  });

  it('sends POST /customers with the update body, not safe to retry', () => {
    const body = bodyOf(create.body(documented));
    expect(body).toStrictEqual(updateRequest);
    expect(create.request(body)).toStrictEqual({
      method: 'POST',
      path: '/customers',
      body: updateRequest,
      retrySafe: false,
    } satisfies RequestSpec);
  });

  it('keeps the locale warning', () => {
    expect(create.body({ ...documented, locale: 'it-IT' })).toMatchObject({
      ok: true,
      warnings: ['locale it-IT is not supported by Invisible Collector; left out'],
    });
  });

  it.each([
    [['vatNumber'], 'Invisible Collector requires vatNumber to create a customer; the record has none'],
    [['name'], 'Invisible Collector requires name to create a customer; the record has none'],
    [
      ['name', 'vatNumber'],
      'Invisible Collector requires name, vatNumber to create a customer; the record has none of them',
    ],
  ] as const)('fails without %j', (fields, message) => {
    const record: Customer = { ...documented };
    for (const field of fields) delete record[field];
    expect(create.body(record)).toStrictEqual({ ok: false, message });
    expect(definition.updateBody(record).ok).toBe(true);
  });

  it('resolves a 409 only through the lookup by externalId: the VAT number may be another customer of ours', () => {
    const conflict = defined(create.conflict);
    expect(conflict.resolve).toBe('lookup');
    expect(conflict.matches(409, error409)).toBe(true);
    expect(conflict.matches(422, error409)).toBe(false);
  });

  it.each([
    [error409, `VAT number is already held by another customer, gid ${GID}`],
    [{ code: 409, message: 'exists', id: 'id-7' }, 'VAT number is already held by another customer, gid id-7'],
    [{ code: 409, message: 'Customer already registered' }, 'VAT number is already held by another customer'],
    [{ code: 409, message: 'exists', gid: '' }, 'VAT number is already held by another customer'],
    [null, 'VAT number is already held by another customer'],
    ['Conflict', 'VAT number is already held by another customer'],
  ])('names the customer a 409 body %j holds, by gid, id or not at all', (body, message) => {
    expect(defined(defined(create.conflict).describe)(body)).toBe(message);
  });
});

describe('Invisible Collector lookup', () => {
  it('finds by externalId', () => {
    expect(lookup.request(documented, 1)).toStrictEqual({
      method: 'GET',
      path: '/customers/find',
      query: { externalId: '123' },
      retrySafe: true,
    } satisfies RequestSpec);
  });

  it('leaves the query value raw for the HTTP client to encode', () => {
    expect(lookup.request({ ...documented, id: 'a&b=c/d' }, 1).query).toStrictEqual({ externalId: 'a&b=c/d' });
  });

  it('reads the gid of the documented answer; the answer is one page', () => {
    expect(lookup.parse(findResponse, documented, 1)).toStrictEqual({ matches: [GID], more: false });
  });

  it('finds nothing in an empty answer', () => {
    expect(lookup.parse([], documented, 1)).toStrictEqual({ matches: [], more: false });
  });

  it("given the customer, takes only the one whose externalId is the customer's id", () => {
    const other = { ...updateResponse, externalId: '999', gid: 'other-gid' };
    expect(lookup.parse([other, updateResponse], documented, 1).matches).toStrictEqual([GID]);
    expect(lookup.parse([other], documented, 1).matches).toStrictEqual([]);
  });

  it('returns every exact match, so delivery refuses to guess between several', () => {
    const twin = { ...updateResponse, gid: 'twin-gid' };
    expect(lookup.parse([updateResponse, twin], documented, 1).matches).toStrictEqual([GID, 'twin-gid']);
  });

  it('reads the published SDKs\' answers: `mobile`, no `phone` or `locale`', () => {
    const { phone: _phone, locale: _locale, ...rest } = updateResponse as Record<string, unknown>;
    const published = { ...rest, mobile: '+351912345678' };
    expect(lookup.parse([published], documented, 1).matches).toStrictEqual([GID]);
    expect(definition.parseSuccess('update', published)).toStrictEqual({ providerId: GID });
  });

  it.each([{}, [{}], [{ gid: 7 }], null, 'none'])('throws on the malformed answer %j', (body) => {
    expect(() => lookup.parse(body, documented, 1)).toThrow(z.ZodError);
  });
});

describe('Invisible Collector ids in the path', () => {
  const base = invisibleCollectorDefinition.defaultBaseUrl;

  it.each([
    ['a/b', 'a%2Fb'],
    ['a?b=c', 'a%3Fb%3Dc'],
    ['a#b', 'a%23b'],
    ['../admin', '..%2Fadmin'],
    ['a..b', 'a..b'],
    ['100%', '100%25'],
    [GID, GID],
  ])('keeps %j one encoded path segment', (id, encoded) => {
    const { path } = definition.updateRequest(id, {});
    expect(path).toBe(`/customers/${encoded}`);
    const url = new URL(base + path);
    expect(url.pathname).toBe(`/customers/${encoded}`);
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    expect(decodeURIComponent(defined(url.pathname.split('/').at(-1)))).toBe(id);
  });

  it.each(['', '.', '..'])('refuses the id %j, which no encoding keeps in its own segment', (id) => {
    const message = `Invisible Collector cannot address a customer by the id "${id}"; it cannot be a URL path segment`;
    expect(definition.updateBody({ ...documented, id })).toStrictEqual({ ok: false, message });
    expect(definition.updateBody({ ...documented, providerIds: { 'invisible-collector': id } })).toStrictEqual({
      ok: false,
      message,
    });
    expect(() => definition.updateRequest(id, {})).toThrow(RangeError);
  });

  it('addresses the customer by its own id (as externalId) when no gid is known', () => {
    expect(definition.defaultId?.(documented)).toBe('123');
  });
});

describe('Invisible Collector responses', () => {
  it('reads the gid from the documented answer, for update and create', () => {
    expect(definition.parseSuccess('update', updateResponse)).toStrictEqual({ providerId: GID });
    expect(definition.parseSuccess('create', updateResponse)).toStrictEqual({ providerId: GID });
  });

  it('tolerates extra fields, nulls and absent optional fields', () => {
    const body = { gid: 'g1', mobile: '444-444-444', contacts: [], externalId: null, locale: null };
    expect(definition.parseSuccess('update', body)).toStrictEqual({ providerId: 'g1' });
    expect(definition.parseSuccess('update', { gid: 'g2' })).toStrictEqual({ providerId: 'g2' });
  });

  it.each([{}, { gid: 1 }, { gid: '' }, { ...updateResponse, name: 5 }, null, [], 'ok'])(
    'throws on the malformed body %j',
    (body) => {
      expect(() => definition.parseSuccess('update', body)).toThrow(z.ZodError);
    },
  );

  it("reads the provider's message from documented errors", () => {
    expect(definition.errorMessage(404, error404)).toBe('Customer not found');
    expect(definition.errorMessage(409, error409)).toBe('A customer with the same VAT number already exists');
    expect(definition.errorMessage(422, error422)).toBe('country must be an ISO 3166-1 country code');
  });

  it.each([undefined, null, 'Unauthorized', {}, { code: 401 }, { message: '' }, { reason: 'x' }])(
    'has no message for the unknown error body %j',
    (body) => {
      expect(definition.errorMessage(401, body)).toBeUndefined();
    },
  );
});

describe('Invisible Collector options and auth', () => {
  it('identifies itself', () => {
    expect(definition.id).toBe('invisible-collector');
    expect(definition.name).toBe('Invisible Collector');
    expect(definition.defaultBaseUrl).toBe('https://api.invisiblecollector.com');
  });

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

  it('builds the adapter through createAdapter with its definition', () => {
    const adapter = invisibleCollector(options);
    expect(createAdapter).toHaveBeenCalledWith(invisibleCollectorDefinition, options);
    expect(adapter).toStrictEqual({ id: 'invisible-collector' });
  });
});
