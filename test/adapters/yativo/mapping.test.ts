import { describe, expect, it } from 'vitest';
import type { BodyResult } from '../../../src/adapter/definition.js';
import type { Customer } from '../../../src/model/types.js';
import { yativoDefinition as def } from '../../../adapters/yativo/index.js';
import { toMonthYear } from '../../../adapters/yativo/mapping.js';
import customerFixture from '../../../fixtures/yativo/customer.json' with { type: 'json' };

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

describe('yativo: body mapping', () => {
  it('omits every field the record lacks', () => {
    expect(bodyOf(def.updateBody(minimal))).toEqual({ customer_email: 'ann@example.com' });
    expect(bodyOf(create.body({ ...minimal, name: 'Ann', phone: '+15551234567', country: 'US' }))).toEqual({
      customer_name: 'Ann',
      customer_email: 'ann@example.com',
      customer_phone: '+15551234567',
      customer_country: 'USA',
      customer_type: 'individual',
    });
  });

  it('sends customer_type on every create: the kind, else individual; never on an update', () => {
    const base = { ...minimal, name: 'Ann', phone: '+15551234567', country: 'US' };
    expect(bodyOf(create.body({ ...base, kind: 'business' })).customer_type).toBe('business');
    expect(bodyOf(create.body({ ...base, kind: 'individual' })).customer_type).toBe('individual');
    expect(bodyOf(create.body(base)).customer_type).toBe('individual');
    expect(bodyOf(def.updateBody({ ...base, kind: 'business' }))).not.toHaveProperty('customer_type');
  });

  it('sends no address fields at all without an address', () => {
    const body = bodyOf(def.updateBody({ ...minimal, country: 'US' }));
    expect(body).toEqual({ customer_email: 'ann@example.com', customer_country: 'USA' });
    expect(body).not.toHaveProperty('customer_address');
  });

  it('leaves out an address with nothing in it', () => {
    expect(bodyOf(def.updateBody({ ...minimal, address: {} }))).toEqual({ customer_email: 'ann@example.com' });
  });

  it('sends only the address parts present, zipcode from postalCode', () => {
    expect(bodyOf(def.updateBody({ ...minimal, address: { city: 'Anytown', postalCode: '12345' } }))).toEqual({
      customer_email: 'ann@example.com',
      customer_address: { city: 'Anytown', zipcode: '12345' },
    });
  });

  it('takes customer_country from country, else from address.country, as alpha-3', () => {
    expect(bodyOf(def.updateBody({ ...minimal, country: 'MX', address: { city: 'Austin', country: 'US' } }))).toEqual({
      customer_email: 'ann@example.com',
      customer_country: 'MEX',
      customer_address: { city: 'Austin', country: 'USA' },
    });
    expect(bodyOf(def.updateBody({ ...minimal, address: { city: 'Santiago', country: 'CL' } }))).toEqual({
      customer_email: 'ann@example.com',
      customer_country: 'CHL',
      customer_address: { city: 'Santiago', country: 'CHL' },
    });
  });

  it('takes the address country from address.country, else from country', () => {
    expect(bodyOf(def.updateBody({ ...minimal, country: 'BR', address: { city: 'Recife' } }))).toEqual({
      customer_email: 'ann@example.com',
      customer_country: 'BRA',
      customer_address: { city: 'Recife', country: 'BRA' },
    });
  });

  it('turns YYYY-MM into MM/YY', () => {
    expect(toMonthYear('2024-04')).toBe('04/24');
    expect(toMonthYear('1999-12')).toBe('12/99');
    expect(toMonthYear('2031-01')).toBe('01/31');
    expect(() => toMonthYear('2024-4')).toThrow(RangeError);
  });

  it('adds only the identity-document fields present, the country as an English name', () => {
    const base = { ...minimal, name: 'Ann', phone: '+15551234567', country: 'US' };
    expect(bodyOf(create.body({ ...base, identityDocument: { country: 'GB', expiresOn: '2031-01' } }))).toEqual({
      customer_name: 'Ann',
      customer_email: 'ann@example.com',
      customer_phone: '+15551234567',
      customer_country: 'USA',
      customer_type: 'individual',
      customer_idCountry: 'United Kingdom',
      customer_idExpiration: '01/31',
    });
  });

  it('keeps create-only fields out of the update body (and so out of the change hash)', () => {
    const body = bodyOf(def.updateBody(customer));
    expect(Object.keys(body).filter((key) => key.startsWith('customer_id'))).toEqual([]);
  });

  it('never sends null or empty strings', () => {
    const body = JSON.stringify(bodyOf(create.body(customer)));
    expect(body).not.toContain('null');
    expect(body).not.toContain('""');
  });
});

describe('yativo: fields a create requires', () => {
  const complete: Customer = { ...minimal, name: 'Ann', phone: '+15551234567', country: 'US' };

  it.each([
    ['name', { ...complete, name: undefined }],
    ['phone', { ...complete, phone: undefined }],
    ['country', { ...complete, country: undefined, address: { city: 'Austin' } }],
  ])('fails without %s', (field, record) => {
    expect(create.body(record)).toEqual({
      ok: false,
      message: `Yativo requires ${field} to create a customer; the record has none`,
    });
  });

  it('names every missing field at once', () => {
    expect(create.body(minimal)).toEqual({
      ok: false,
      message: 'Yativo requires name, phone and country to create a customer; the record has none of them',
    });
    expect(create.body({ ...complete, name: undefined, phone: undefined })).toEqual({
      ok: false,
      message: 'Yativo requires name and phone to create a customer; the record has none of them',
    });
  });

  it('accepts the country from the address', () => {
    expect(create.body({ ...complete, country: undefined, address: { country: 'US' } }).ok).toBe(true);
  });

  it('still updates a record a create would refuse', () => {
    expect(def.updateBody(minimal).ok).toBe(true);
  });
});
