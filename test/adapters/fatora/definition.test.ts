import { describe, expect, it, vi } from 'vitest';
import type { BodyResult } from '../../../src/adapter/definition.js';
import type { Customer } from '../../../src/model/types.js';
import { fatora, fatoraDefinition as def } from '../../../adapters/fatora/index.js';
import { createAdapter } from '../../../src/adapter/create-adapter.js';
import customerFixture from '../../../fixtures/fatora/customer.json' with { type: 'json' };
import updateRequest from '../../../fixtures/fatora/update-request.json' with { type: 'json' };

vi.mock('../../../src/adapter/create-adapter.js', () => ({ createAdapter: vi.fn(() => ({ id: 'fatora' })) }));

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
