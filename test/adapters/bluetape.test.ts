import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { BodyResult, RequestSpec } from '../../src/adapter/definition.js';
import type { Customer } from '../../src/model/types.js';
import { createAdapter } from '../../src/adapter/create-adapter.js';
import { bluetape, bluetapeDefinition, type BlueTapeOptions } from '../../adapters/bluetape/index.js';
import customerJson from '../../fixtures/bluetape/customer.json' with { type: 'json' };
import updateRequest from '../../fixtures/bluetape/update-request.json' with { type: 'json' };
import updateResponse from '../../fixtures/bluetape/update-response.json' with { type: 'json' };
import createRequest from '../../fixtures/bluetape/create-request.json' with { type: 'json' };
import createResponse from '../../fixtures/bluetape/create-response.json' with { type: 'json' };
import error404 from '../../fixtures/bluetape/error-404.json' with { type: 'json' };
import error409 from '../../fixtures/bluetape/error-409.json' with { type: 'json' };

// createAdapter's body is written elsewhere; the factory only has to hand it the definition and the options.
vi.mock('../../src/adapter/create-adapter.js', () => ({ createAdapter: vi.fn(() => ({ id: 'bluetape' })) }));

const definition = bluetapeDefinition;
const documented: Customer = customerJson;
const options: BlueTapeOptions = { apiKey: 'bt-key-123456', accountId: 'acct-42' };

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
const create = defined(definition.create);

function bodyOf(result: BodyResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected a body, got: ${result.message}`);
  return result.body;
}

describe('BlueTape update', () => {
  it('builds the documented Customer Object from the documented customer', () => {
    expect(definition.updateBody(documented)).toStrictEqual({ ok: true, body: updateRequest, warnings: [] });
  });

  it('sends PUT /integration/customer/{id} with that body, safe to retry', () => {
    const body = bodyOf(definition.updateBody(documented));
    expect(definition.updateRequest('dc506b22c7fa', body)).toStrictEqual({
      method: 'PUT',
      path: '/integration/customer/dc506b22c7fa',
      body: updateRequest,
      retrySafe: true,
    } satisfies RequestSpec);
  });

  it('passes updatedAt through exactly as given', () => {
    const body = bodyOf(definition.updateBody({ ...documented, updatedAt: '2024-02-29T23:59:59+01:00' }));
    expect(body.sourceModifiedDate).toBe('2024-02-29T23:59:59+01:00');
  });

  it('sends only its five fields, whatever else the record holds', () => {
    const full: Customer = {
      ...documented,
      name: 'Doe Holdings',
      country: 'US',
      address: { street: 'Main St', number: '1', city: 'Austin', state: 'TX', postalCode: '73301', country: 'US' },
      vatNumber: 'US123',
      locale: 'en-US',
      notes: 'vip',
      providerIds: { bluetape: 'bt-1' },
    };
    expect(definition.updateBody(full)).toStrictEqual({ ok: true, body: updateRequest, warnings: [] });
  });
});

describe('BlueTape required fields', () => {
  const without = (field: keyof Customer): Customer => {
    const copy: Customer = { ...documented };
    delete copy[field];
    return copy;
  };

  it.each([
    ['firstName', 'BlueTape requires firstName (firstName); the record has none'],
    ['lastName', 'BlueTape requires lastName (lastName); the record has none'],
    ['phone', 'BlueTape requires phone (cellPhoneNumber); the record has none'],
    ['updatedAt', 'BlueTape requires updatedAt (sourceModifiedDate); the record has none'],
  ] as const)('fails a record without %s', (field, message) => {
    expect(definition.updateBody(without(field))).toStrictEqual({ ok: false, message });
    expect(create.body(without(field))).toStrictEqual({ ok: false, message });
  });

  it('names every missing field at once', () => {
    const bare: Customer = { id: 'c1', email: 'a@example.com' };
    expect(definition.updateBody(bare)).toStrictEqual({
      ok: false,
      message:
        'BlueTape requires firstName (firstName), lastName (lastName), phone (cellPhoneNumber), ' +
        'updatedAt (sourceModifiedDate); the record has none of them',
    });
  });
});

describe('BlueTape create (createMissing)', () => {
  it('is only tried on a missing customer', () => {
    expect(create.when).toBe('on-missing');
  });

  it('builds the documented create body: the update body plus our id', () => {
    expect(create.body(documented)).toStrictEqual({ ok: true, body: createRequest, warnings: [] });
  });

  it('sends POST /integration/customer, safe to retry (a repeat answers 409)', () => {
    const body = bodyOf(create.body(documented));
    expect(create.request(body)).toStrictEqual({
      method: 'POST',
      path: '/integration/customer',
      body: createRequest,
      retrySafe: true,
    } satisfies RequestSpec);
  });

  it('answers a 409 by updating our own id, which the create used', () => {
    const conflict = defined(create.conflict);
    expect(conflict.resolve).toBe('own-id');
    expect(conflict.matches(409, error409)).toBe(true);
    expect(conflict.matches(400, error409)).toBe(false);
  });
});

describe('BlueTape ids in the path', () => {
  const base = bluetapeDefinition.defaultBaseUrl;

  it.each([
    ['a/b', 'a%2Fb'],
    ['a?b=c', 'a%3Fb%3Dc'],
    ['a#b', 'a%23b'],
    ['../admin', '..%2Fadmin'],
    ['a..b', 'a..b'],
    ['100%', '100%25'],
    ['josé ü', 'jos%C3%A9%20%C3%BC'],
  ])('keeps %j one encoded path segment', (id, encoded) => {
    const { path } = definition.updateRequest(id, {});
    expect(path).toBe(`/integration/customer/${encoded}`);
    const url = new URL(base + path);
    expect(url.pathname).toBe(`/genericBthubService/integration/customer/${encoded}`);
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    expect(decodeURIComponent(defined(url.pathname.split('/').at(-1)))).toBe(id);
  });

  it.each(['', '.', '..'])('refuses the id %j, which no encoding keeps in its own segment', (id) => {
    const message = `BlueTape cannot address a customer by the id "${id}"; it cannot be a URL path segment`;
    expect(definition.updateBody({ ...documented, id })).toStrictEqual({ ok: false, message });
    expect(definition.updateBody({ ...documented, providerIds: { bluetape: id } })).toStrictEqual({
      ok: false,
      message,
    });
    expect(create.body({ ...documented, id })).toStrictEqual({ ok: false, message });
    expect(() => definition.updateRequest(id, {})).toThrow(RangeError);
  });

  it('addresses the customer by its own id when no BlueTape id is known', () => {
    expect(definition.defaultId?.(documented)).toBe('dc506b22c7fa');
  });
});

describe('BlueTape responses', () => {
  it('reads blueTapeId from the documented 202 and 201 bodies', () => {
    expect(definition.parseSuccess('update', updateResponse)).toStrictEqual({ providerId: 'fb5637b2e5f3' });
    expect(definition.parseSuccess('create', createResponse)).toStrictEqual({ providerId: 'fb5637b2e5f3' });
  });

  it('tolerates extra fields and a create without signUpUrl', () => {
    expect(definition.parseSuccess('update', { blueTapeId: 'x1', extra: true })).toStrictEqual({ providerId: 'x1' });
    expect(definition.parseSuccess('create', { blueTapeId: 'x2' })).toStrictEqual({ providerId: 'x2' });
  });

  it.each([{}, { blueTapeId: 42 }, { blueTapeId: '' }, null, 'accepted', [], { code: '404', reason: 'x' }])(
    'throws on the malformed body %j',
    (body) => {
      expect(() => definition.parseSuccess('update', body)).toThrow(z.ZodError);
      expect(() => definition.parseSuccess('create', body)).toThrow(z.ZodError);
    },
  );

  it("reads the provider's reason from documented errors", () => {
    expect(definition.errorMessage(404, error404)).toBe('Customer not found.');
    expect(definition.errorMessage(409, error409)).toBe('Customer already exists.');
    expect(definition.errorMessage(400, { code: 400, reason: 'Invalid request' })).toBe('Invalid request');
  });

  it.each([undefined, null, 'Unexpected error', {}, { code: '500' }, { reason: '' }, { message: 'x' }])(
    'has no message for the unknown error body %j',
    (body) => {
      expect(definition.errorMessage(500, body)).toBeUndefined();
    },
  );
});

describe('BlueTape options and auth', () => {
  it('identifies itself', () => {
    expect(definition.id).toBe('bluetape');
    expect(definition.name).toBe('BlueTape');
    expect(definition.defaultBaseUrl).toBe('https://api.bluetape.com/genericBthubService');
  });

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

  it('builds the adapter through createAdapter with its definition', () => {
    const adapter = bluetape(options);
    expect(createAdapter).toHaveBeenCalledWith(bluetapeDefinition, options);
    expect(adapter).toStrictEqual({ id: 'bluetape' });
  });
});
