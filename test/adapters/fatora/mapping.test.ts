import { describe, expect, it } from 'vitest';
import type { BodyResult } from '../../../src/adapter/definition.js';
import type { Address, Customer } from '../../../src/model/types.js';
import { fatoraDefinition as def } from '../../../adapters/fatora/index.js';

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
