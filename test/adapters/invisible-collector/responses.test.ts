import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RequestSpec } from '../../../src/adapter/definition.js';
import type { Customer } from '../../../src/model/types.js';
import { invisibleCollectorDefinition } from '../../../adapters/invisible-collector/index.js';
import customerJson from '../../../fixtures/invisible-collector/customer.json' with { type: 'json' };
import updateResponse from '../../../fixtures/invisible-collector/update-response.json' with { type: 'json' };
import findResponse from '../../../fixtures/invisible-collector/find-response.json' with { type: 'json' };
import error404 from '../../../fixtures/invisible-collector/error-404.json' with { type: 'json' };
import error409 from '../../../fixtures/invisible-collector/error-409.json' with { type: 'json' };
import error422 from '../../../fixtures/invisible-collector/error-422.json' with { type: 'json' };

const definition = invisibleCollectorDefinition;
const documented: Customer = customerJson;
const GID = '061d2feb-81c2-4694-a74a-13cecbe7d2ce';

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
const lookup = defined(definition.lookup);

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
