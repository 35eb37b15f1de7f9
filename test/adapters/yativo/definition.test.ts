import { describe, expect, it, vi } from 'vitest';
import type { BodyResult } from '../../../src/adapter/definition.js';
import type { Customer } from '../../../src/model/types.js';
import { yativo, yativoDefinition as def } from '../../../adapters/yativo/index.js';
import { createAdapter } from '../../../src/adapter/create-adapter.js';
import customerFixture from '../../../fixtures/yativo/customer.json' with { type: 'json' };
import createRequest from '../../../fixtures/yativo/create-request.json' with { type: 'json' };
import updateRequest from '../../../fixtures/yativo/update-request.json' with { type: 'json' };

vi.mock('../../../src/adapter/create-adapter.js', () => ({ createAdapter: vi.fn(() => ({ id: 'yativo' })) }));

const customer: Customer = customerFixture;

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
