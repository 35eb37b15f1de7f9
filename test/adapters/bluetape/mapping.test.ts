import { describe, expect, it } from 'vitest';
import type { BodyResult } from '../../../src/adapter/definition.js';
import type { Customer } from '../../../src/model/types.js';
import { bluetapeDefinition } from '../../../adapters/bluetape/index.js';
import customerJson from '../../../fixtures/bluetape/customer.json' with { type: 'json' };
import updateRequest from '../../../fixtures/bluetape/update-request.json' with { type: 'json' };

const definition = bluetapeDefinition;
const documented: Customer = customerJson;

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
