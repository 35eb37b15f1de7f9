import { describe, expect, it, vi } from 'vitest';
import type { BodyResult, RequestSpec } from '../../../src/adapter/definition.js';
import type { Customer } from '../../../src/model/types.js';
import { createAdapter } from '../../../src/adapter/create-adapter.js';
import {
  invisibleCollector,
  invisibleCollectorDefinition,
  type InvisibleCollectorOptions,
} from '../../../adapters/invisible-collector/index.js';
import customerJson from '../../../fixtures/invisible-collector/customer.json' with { type: 'json' };
import updateRequest from '../../../fixtures/invisible-collector/update-request.json' with { type: 'json' };
import error409 from '../../../fixtures/invisible-collector/error-409.json' with { type: 'json' };

// createAdapter's body is written elsewhere; the factory only has to hand it the definition and the options.
vi.mock('../../../src/adapter/create-adapter.js', () => ({
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

function bodyOf(result: BodyResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected a body, got: ${result.message}`);
  return result.body;
}

describe('Invisible Collector update', () => {
  it('sends PUT /customers/{id} with that body, safe to retry', () => {
    const body = bodyOf(definition.updateBody(documented));
    expect(definition.updateRequest('123', body)).toStrictEqual({
      method: 'PUT',
      path: '/customers/123',
      body: updateRequest,
      retrySafe: true,
    } satisfies RequestSpec);
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

describe('Invisible Collector definition', () => {
  it('identifies itself', () => {
    expect(definition.id).toBe('invisible-collector');
    expect(definition.name).toBe('Invisible Collector');
    expect(definition.defaultBaseUrl).toBe('https://api.invisiblecollector.com');
  });

  it('builds the adapter through createAdapter with its definition', () => {
    const adapter = invisibleCollector(options);
    expect(createAdapter).toHaveBeenCalledWith(invisibleCollectorDefinition, options);
    expect(adapter).toStrictEqual({ id: 'invisible-collector' });
  });
});
