import { describe, expect, it, vi } from 'vitest';
import type { BodyResult, RequestSpec } from '../../../src/adapter/definition.js';
import type { Customer } from '../../../src/model/types.js';
import { createAdapter } from '../../../src/adapter/create-adapter.js';
import { bluetape, bluetapeDefinition, type BlueTapeOptions } from '../../../adapters/bluetape/index.js';
import customerJson from '../../../fixtures/bluetape/customer.json' with { type: 'json' };
import updateRequest from '../../../fixtures/bluetape/update-request.json' with { type: 'json' };
import createRequest from '../../../fixtures/bluetape/create-request.json' with { type: 'json' };
import error409 from '../../../fixtures/bluetape/error-409.json' with { type: 'json' };

// createAdapter's body is written elsewhere; the factory only has to hand it the definition and the options.
vi.mock('../../../src/adapter/create-adapter.js', () => ({ createAdapter: vi.fn(() => ({ id: 'bluetape' })) }));

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
  it('sends PUT /integration/customer/{id} with that body, safe to retry', () => {
    const body = bodyOf(definition.updateBody(documented));
    expect(definition.updateRequest('dc506b22c7fa', body)).toStrictEqual({
      method: 'PUT',
      path: '/integration/customer/dc506b22c7fa',
      body: updateRequest,
      retrySafe: true,
    } satisfies RequestSpec);
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

describe('BlueTape definition', () => {
  it('identifies itself', () => {
    expect(definition.id).toBe('bluetape');
    expect(definition.name).toBe('BlueTape');
    expect(definition.defaultBaseUrl).toBe('https://api.bluetape.com/genericBthubService');
  });

  it('builds the adapter through createAdapter with its definition', () => {
    const adapter = bluetape(options);
    expect(createAdapter).toHaveBeenCalledWith(bluetapeDefinition, options);
    expect(adapter).toStrictEqual({ id: 'bluetape' });
  });
});
