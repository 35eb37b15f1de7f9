import { describe, expect, it } from 'vitest';
import { CustomerValidationError } from '../../src/errors/validation-error.js';
import { customerSchema, parseCustomer, validateCustomer } from '../../src/model/customer.js';
import type { ValidationIssue } from '../../src/model/types.js';

const minimal = { id: 'cus_1', email: 'ana@example.com' };

const INVALID_PHONE = "must be a valid phone number: international (+…) or national for the customer's country";
const INVALID_COUNTRY = 'must be an ISO 3166-1 alpha-2 or alpha-3 country code';
const INVALID_DATE_TIME = 'must be an ISO 8601 date-time with Z or an offset, e.g. 2024-05-01T12:00:00Z';
const NO_TIME_ZONE = 'must include a time zone: Z or an offset such as +02:00';
const INVALID_KIND = 'must be "individual" or "business"';
const NOT_POSITIVE = 'must be a positive integer';
const NOT_DIGITS = 'must be a positive integer, or a string of its decimal digits';
const TOO_LARGE = 'must be at most 9007199254740991';
const INVALID_BASE64 = 'must be base64 (A-Z, a-z, 0-9, +, /, padded with =)';

/** The issues `validateCustomer` reports for `input`; fails the test when the input is valid. */
function issuesOf(input: unknown): ValidationIssue[] {
  const result = validateCustomer(input);
  if (result.ok) throw new Error('expected the record to be invalid');
  return result.issues;
}

describe('parseCustomer normalization', () => {
  it('normalizes a full record', () => {
    const customer = parseCustomer({
      id: ' cus_1 ',
      email: '  Ana.Lee@Example.COM ',
      firstName: ' Ana ',
      lastName: 'Lee',
      phone: '(415) 555-2671',
      country: 'usa',
      address: { street: ' Market St ', number: '1', city: 'San Francisco', state: 'CA', postalCode: '94105' },
      vatNumber: 'US123',
      locale: 'en-us',
      notes: ' VIP ',
      identityDocument: { type: 'PASSPORT', number: 'X123', country: 'prt', expiresOn: '2030-12', front: 'QUJD', back: 'QQ==' },
      updatedAt: '2024-05-01T12:00:00.250+02:00',
      providerIds: { yativo: 'y-1', fatora: '42', bluetape: 'b-1', 'invisible-collector': 'ic-1' },
      kind: ' business ',
    });
    expect(customer).toEqual({
      id: 'cus_1',
      email: 'Ana.Lee@example.com',
      name: 'Ana Lee',
      firstName: 'Ana',
      lastName: 'Lee',
      phone: '+14155552671',
      country: 'US',
      address: { street: 'Market St', number: '1', city: 'San Francisco', state: 'CA', postalCode: '94105', country: 'US' },
      vatNumber: 'US123',
      locale: 'en-US',
      notes: 'VIP',
      identityDocument: { type: 'PASSPORT', number: 'X123', country: 'PT', expiresOn: '2030-12', front: 'QUJD', back: 'QQ==' },
      updatedAt: '2024-05-01T12:00:00.250+02:00',
      providerIds: { yativo: 'y-1', fatora: 42, bluetape: 'b-1', 'invisible-collector': 'ic-1' },
      kind: 'business',
    });
    expect(Object.keys(customer)).toEqual([
      'id', 'email', 'name', 'firstName', 'lastName', 'phone', 'country', 'address', 'vatNumber', 'locale', 'notes',
      'identityDocument', 'updatedAt', 'providerIds', 'kind',
    ]);
  });

  it.each([
    { phone: '(415) 555-2671', where: { country: 'US' }, e164: '+14155552671' },
    { phone: '415.555.2671', where: { country: 'us' }, e164: '+14155552671' },
    { phone: '+44 20 7946 0958', where: {}, e164: '+442079460958' },
    { phone: '020 7946 0958', where: { country: 'GBR' }, e164: '+442079460958' },
    { phone: '912 345 678', where: { country: 'prt' }, e164: '+351912345678' },
    { phone: '(11) 91234-5678', where: { country: 'BRA' }, e164: '+5511912345678' },
    { phone: '06 12 34 56 78', where: { address: { country: 'FRA' } }, e164: '+33612345678' },
    { phone: '030 123456', where: { country: 'DE', address: { country: 'FR' } }, e164: '+4930123456' },
    { phone: '+1 415 555 2671', where: { country: 'PT' }, e164: '+14155552671' },
  ])('normalizes phone $phone with $where to $e164', ({ phone, where, e164 }) => {
    expect(parseCustomer({ ...minimal, ...where, phone }).phone).toBe(e164);
  });

  it('trims the email and lower-cases its domain only', () => {
    expect(parseCustomer({ ...minimal, email: '\t John.O+Tag@MAIL.Example.PT \n' }).email).toBe('John.O+Tag@mail.example.pt');
  });

  it('converts alpha-3 and any letter case to alpha-2 for every country field', () => {
    const customer = parseCustomer({
      ...minimal,
      country: 'bra',
      address: { city: 'Lisboa', country: 'Prt' },
      identityDocument: { number: 'A1', country: 'esp' },
    });
    expect(customer).toEqual({
      ...minimal,
      country: 'BR',
      address: { city: 'Lisboa', country: 'PT' },
      identityDocument: { number: 'A1', country: 'ES' },
    });
  });

  it('defaults address.country to country, and makes no address when there is none', () => {
    expect(parseCustomer({ ...minimal, country: 'CL', address: { city: 'Santiago' } })).toEqual({
      ...minimal,
      country: 'CL',
      address: { city: 'Santiago', country: 'CL' },
    });
    expect(parseCustomer({ ...minimal, country: 'CL' })).toEqual({ ...minimal, country: 'CL' });
    expect(parseCustomer({ ...minimal, address: { city: 'Santiago' } })).toEqual({ ...minimal, address: { city: 'Santiago' } });
  });

  it.each([
    { given: { firstName: 'Ana', lastName: 'Lee' }, name: 'Ana Lee' },
    { given: { firstName: 'Ana' }, name: 'Ana' },
    { given: { lastName: 'Lee' }, name: 'Lee' },
    { given: { name: 'Lee & Co', firstName: 'Ana', lastName: 'Lee' }, name: 'Lee & Co' },
  ])('derives name $name from $given', ({ given, name }) => {
    expect(parseCustomer({ ...minimal, ...given })).toEqual({ ...minimal, ...given, name });
  });

  it('leaves name out when there is neither first nor last name', () => {
    expect(Object.keys(parseCustomer(minimal))).toEqual(['id', 'email']);
  });

  it.each([
    ['en-us', 'en-US'],
    ['ZH-cn', 'zh-CN'],
    ['pt', 'pt'],
    ['fr-fr', 'fr-FR'],
    ['zh-hans-cn', 'zh-Hans-CN'],
  ])('canonicalizes locale %s to %s', (given, canonical) => {
    expect(parseCustomer({ ...minimal, locale: given }).locale).toBe(canonical);
  });

  it('returns plain objects without undefined keys', () => {
    const customer = parseCustomer({
      ...minimal,
      name: undefined,
      address: { city: 'Porto', street: undefined },
      providerIds: { fatora: 7, yativo: undefined },
    });
    expect(JSON.parse(JSON.stringify(customer))).toEqual(customer);
    expect(customer).toStrictEqual({ ...minimal, address: { city: 'Porto' }, providerIds: { fatora: 7 } });
    expect(Object.getPrototypeOf(customer)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(customer.address)).toBe(Object.prototype);
  });

  it('accepts an id of exactly 128 characters', () => {
    expect(parseCustomer({ ...minimal, id: 'x'.repeat(128) }).id).toBe('x'.repeat(128));
  });

  it('gives the same customer through customerSchema', () => {
    const input = { ...minimal, phone: '(415) 555-2671', country: 'USA', locale: 'en-us' };
    expect(customerSchema.parse(input)).toEqual(parseCustomer(input));
  });
});

describe('validateCustomer rejections', () => {
  it('names an unknown top-level key in the path and suggests the field', () => {
    expect(issuesOf({ ...minimal, nmae: 'Ana', first_name: 'Ana', colour: 'red' })).toEqual([
      { path: 'nmae', message: 'is not a known field (did you mean "name"?)' },
      { path: 'first_name', message: 'is not a known field (did you mean "firstName"?)' },
      { path: 'colour', message: 'is not a known field' },
    ]);
  });

  it('rejects unknown nested keys', () => {
    expect(
      issuesOf({
        ...minimal,
        address: { city: 'Porto', zip: '4000' },
        identityDocument: { number: 'A1', expiry: '2030-01' },
        providerIds: { invisible_collector: 'ic-1', stripe: 'cus_9' },
      }),
    ).toEqual([
      { path: 'address.zip', message: 'is not a known field' },
      { path: 'identityDocument.expiry', message: 'is not a known field' },
      { path: 'providerIds.invisible_collector', message: 'is not a known field (did you mean "invisible-collector"?)' },
      { path: 'providerIds.stripe', message: 'is not a known field' },
    ]);
  });

  it('rejects a __proto__ key from JSON.parse as unknown, at the top level and nested', () => {
    const input: unknown = JSON.parse(
      '{"id":"cus_1","email":"ana@example.com","__proto__":{"isAdmin":true},"providerIds":{"fatora":1,"__proto__":{"x":1}}}',
    );
    expect(validateCustomer(input)).toEqual({
      ok: false,
      customerId: 'cus_1',
      issues: [
        { path: 'providerIds.__proto__', message: 'is not a known field' },
        { path: '__proto__', message: 'is not a known field' },
      ],
    });
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it.each([
    [{ name: '' }, 'name', 'must not be empty: leave the field out instead'],
    [{ notes: '   ' }, 'notes', 'must not be empty: leave the field out instead'],
    [{ address: { city: ' \t ' } }, 'address.city', 'must not be empty: leave the field out instead'],
    [{ providerIds: { yativo: '' } }, 'providerIds.yativo', 'must not be empty: leave the field out instead'],
    [{ identityDocument: { front: '' } }, 'identityDocument.front', 'must not be empty: leave the field out instead'],
    [{ id: ' ' }, 'id', 'must not be empty'],
    [{ email: '' }, 'email', 'must not be empty'],
  ])('rejects the empty string in %j', (fields, path, message) => {
    expect(issuesOf({ ...minimal, ...fields })).toEqual([{ path, message }]);
  });

  it.each([
    [{ phone: null }, 'phone', 'must be a string, not null'],
    [{ address: null }, 'address', 'must be an object, not null'],
    [{ providerIds: { fatora: null } }, 'providerIds.fatora', 'must be a number or a string, not null'],
    [{ kind: null }, 'kind', 'must be a string, not null'],
    [{ email: null }, 'email', 'must be a string, not null'],
  ])('rejects null in %j', (fields, path, message) => {
    expect(issuesOf({ ...minimal, ...fields })).toEqual([{ path, message }]);
  });

  it.each([
    [{ id: 42 }, 'id', 'must be a string, not a number'],
    [{ name: ['Ana'] }, 'name', 'must be a string, not an array'],
    [{ address: 'Rua 1, Porto' }, 'address', 'must be an object, not a string'],
    [{ providerIds: { fatora: true } }, 'providerIds.fatora', 'must be a number or a string, not a boolean'],
    [{ providerIds: { fatora: [12] } }, 'providerIds.fatora', 'must be a number or a string, not an array'],
    [{ kind: 1 }, 'kind', 'must be a string, not a number'],
    [{ updatedAt: 1714564800000 }, 'updatedAt', 'must be a string, not a number'],
  ])('rejects a wrong type in %j', (fields, path, message) => {
    expect(issuesOf({ ...minimal, ...fields })).toEqual([{ path, message }]);
  });

  it('reports missing required fields', () => {
    expect(issuesOf({})).toEqual([
      { path: 'id', message: 'is required' },
      { path: 'email', message: 'is required' },
    ]);
  });

  it.each([
    [null, 'must be an object, not null'],
    [[minimal], 'must be an object, not an array'],
    ['{"id":"cus_1"}', 'must be an object, not a string'],
  ])('rejects the record %j itself at the empty path', (input, message) => {
    expect(validateCustomer(input)).toEqual({ ok: false, customerId: undefined, issues: [{ path: '', message }] });
  });

  it.each([
    [{ phone: '12345', country: 'US' }, INVALID_PHONE],
    [{ phone: '(415) 555-2671' }, INVALID_PHONE],
    [{ phone: '+1 415 555 26' }, INVALID_PHONE],
    [{ phone: '+44 20 7946 09581234' }, INVALID_PHONE],
    [{ phone: 'call +1 415 555 2671' }, INVALID_PHONE],
    [{ phone: 'x'.repeat(101) }, 'must be at most 100 characters'],
    [{ phone: '+1 415 555 2671 ext. 12' }, 'must not have an extension (E.164 has none)'],
  ])('rejects the phone in %j', (fields, message) => {
    expect(issuesOf({ ...minimal, ...fields })).toEqual([{ path: 'phone', message }]);
  });

  it.each([
    [{ country: 'XX' }, 'country'],
    [{ country: 'USAA' }, 'country'],
    [{ country: 'United States' }, 'country'],
    [{ address: { country: 'ZZZ' } }, 'address.country'],
    [{ identityDocument: { country: '1' } }, 'identityDocument.country'],
  ])('rejects the country in %j', (fields, path) => {
    expect(issuesOf({ ...minimal, ...fields })).toEqual([{ path, message: INVALID_COUNTRY }]);
  });

  it.each(['2030-13', '2030-00', '2030-1', '12/30', '2030-12-01'])('rejects expiresOn %s', (expiresOn) => {
    expect(issuesOf({ ...minimal, identityDocument: { expiresOn } })).toEqual([
      { path: 'identityDocument.expiresOn', message: 'must be a month as YYYY-MM' },
    ]);
  });

  it.each(['abc', 'QQ=', 'ab!d', 'QUJD QUJD', 'data:image/png;base64,QUJD', 'Q===', 'QQ==QUJD'])('rejects base64 %j', (back) => {
    expect(issuesOf({ ...minimal, identityDocument: { back } })).toEqual([
      { path: 'identityDocument.back', message: INVALID_BASE64 },
    ]);
  });


  it.each([
    [{ id: 'x'.repeat(129) }, 'id', 'must be at most 128 characters'],
    [{ email: `${'a'.repeat(250)}@example.com` }, 'email', 'must be at most 254 characters'],
    [{ name: 'x'.repeat(1001) }, 'name', 'must be at most 1000 characters'],
    [{ notes: 'x'.repeat(10_001) }, 'notes', 'must be at most 10000 characters'],
    [{ identityDocument: { front: 'QUJD'.repeat(2_621_441) } }, 'identityDocument.front', 'must be at most 10485760 characters'],
  ])('rejects a string that is too long: %#', (fields, path, message) => {
    expect(issuesOf({ ...minimal, ...fields })).toEqual([{ path, message }]);
  });

  it('accepts a base64 image of 10 MiB', () => {
    const front = 'QUJD'.repeat(2_621_440);
    expect(parseCustomer({ ...minimal, identityDocument: { front } }).identityDocument?.front).toBe(front);
  });

  it.each([
    [{ email: 'ana.example.com' }, 'email', 'must be a valid email address'],
    [{ email: 'ana@example' }, 'email', 'must be a valid email address'],
    [{ locale: 'en_US' }, 'locale', 'must be a BCP 47 language tag, e.g. en-US'],
    [{ address: {} }, 'address', 'must have at least one field: leave it out instead'],
    [{ identityDocument: {} }, 'identityDocument', 'must have at least one field: leave it out instead'],
  ])('rejects %j', (fields, path, message) => {
    expect(issuesOf({ ...minimal, ...fields })).toEqual([{ path, message }]);
  });
});

describe('every issue at once', () => {
  const input = {
    id: 'cus_9',
    email: 'ana.lee@@example.com',
    phone: '+1 555',
    country: 'Portugal',
    address: { city: '', country: 'XYZ', zip: '4000-123' },
    locale: 'pt_PT',
    identityDocument: { expiresOn: '2031-13', front: 'bm90IGJhc2U2NA=!' },
    providerIds: { fatora: 12.5 },
    updatedAt: 'yesterday',
    vatNumber: null,
    emial: 'ana@example.com',
  };
  const expected: ValidationIssue[] = [
    { path: 'email', message: 'must be a valid email address' },
    { path: 'country', message: INVALID_COUNTRY },
    { path: 'address.city', message: 'must not be empty: leave the field out instead' },
    { path: 'address.country', message: INVALID_COUNTRY },
    { path: 'address.zip', message: 'is not a known field' },
    { path: 'vatNumber', message: 'must be a string, not null' },
    { path: 'locale', message: 'must be a BCP 47 language tag, e.g. en-US' },
    { path: 'identityDocument.expiresOn', message: 'must be a month as YYYY-MM' },
    { path: 'identityDocument.front', message: INVALID_BASE64 },
    { path: 'updatedAt', message: INVALID_DATE_TIME },
    { path: 'providerIds.fatora', message: 'must be a positive integer' },
    { path: 'emial', message: 'is not a known field (did you mean "email"?)' },
    { path: 'phone', message: INVALID_PHONE },
  ];

  function thrownBy(fn: () => unknown): unknown {
    try {
      fn();
    } catch (error) {
      return error;
    }
    throw new Error('expected a throw');
  }

  it('throws one CustomerValidationError listing every issue with its path', () => {
    const error = thrownBy(() => parseCustomer(input));
    expect(error).toBeInstanceOf(CustomerValidationError);
    expect(error).toMatchObject({ name: 'CustomerValidationError', kind: 'invalid', customerId: 'cus_9' });
    expect((error as CustomerValidationError).issues).toEqual(expected);
  });

  it('never puts an input value in a message', () => {
    const error = thrownBy(() => parseCustomer(input)) as CustomerValidationError;
    const text = `${error.message}\n${JSON.stringify(error.toJSON())}`;
    expect(error.message).toContain('identityDocument.expiresOn: must be a month as YYYY-MM');
    const values = [
      ...['ana.lee@@example.com', 'ana@example.com', '+1 555', '1 555', 'Portugal', 'XYZ', '4000-123', 'pt_PT'],
      ...['2031-13', 'bm90IGJhc2U2NA=!', '12.5', 'yesterday'],
    ];
    expect(values.filter((value) => text.includes(value))).toEqual([]);
  });

  it('reports the phone even when its country is the field that failed', () => {
    expect(issuesOf({ ...minimal, country: 'XX', phone: '912 345 678' })).toEqual([
      { path: 'country', message: INVALID_COUNTRY },
      { path: 'phone', message: INVALID_PHONE },
    ]);
  });

  it('gives the customerId only when the id is a string of sane length', () => {
    expect(validateCustomer({ id: 7, email: 'bad' })).toEqual({
      ok: false,
      customerId: undefined,
      issues: [
        { path: 'id', message: 'must be a string, not a number' },
        { path: 'email', message: 'must be a valid email address' },
      ],
    });
    const longId = 'x'.repeat(129);
    expect(validateCustomer({ ...minimal, id: longId })).toMatchObject({ ok: false, customerId: longId });
    expect(validateCustomer({ ...minimal, id: 'x'.repeat(1001) })).toMatchObject({ ok: false, customerId: undefined });
  });
});

describe('phone numbers the providers document', () => {
  it("accepts BlueTape's example +11234567890: possible in length, though its area code is unallocated", () => {
    const result = validateCustomer({ id: 'c', email: 'a@b.co', phone: '+11234567890' });
    expect(result).toEqual({ ok: true, customer: { id: 'c', email: 'a@b.co', phone: '+11234567890' } });
  });
});

describe('text that cannot be sent', () => {
  it('refuses half a surrogate pair', () => {
    expect(validateCustomer({ id: 'c\ud800', email: 'a@b.co' })).toEqual({
      ok: false,
      customerId: 'c\ud800',
      issues: [{ path: 'id', message: 'must be well-formed Unicode text' }],
    });
  });

  it('refuses a derived name longer than a given one may be', () => {
    expect(validateCustomer({ id: 'c', email: 'a@b.co', firstName: 'F'.repeat(600), lastName: 'L'.repeat(600) })).toEqual({
      ok: false,
      customerId: 'c',
      issues: [{ path: 'name', message: 'firstName and lastName together exceed 1000 characters; give name' }],
    });
  });
});

describe('providerIds', () => {
  it.each([{}, { yativo: undefined, fatora: undefined }])(
    'takes %j to mean no id is known: the customer has no providerIds key, as if it had been left out',
    (providerIds) => {
      const customer = parseCustomer({ ...minimal, providerIds });
      expect(customer).toStrictEqual(minimal);
      expect(Object.keys(customer)).toEqual(['id', 'email']);
      expect(customer).toStrictEqual(parseCustomer(minimal));
    },
  );

  it('keeps the ids that are given, and only those', () => {
    expect(parseCustomer({ ...minimal, providerIds: { bluetape: ' b-1 ', yativo: undefined } })).toStrictEqual({
      ...minimal,
      providerIds: { bluetape: 'b-1' },
    });
  });

  it('still rejects unknown ids, empty object or not, with a suggestion for a typo', () => {
    expect(issuesOf({ ...minimal, providerIds: { fatoora: 1, stripe: 'cus_9' } })).toEqual([
      { path: 'providerIds.fatoora', message: 'is not a known field (did you mean "fatora"?)' },
      { path: 'providerIds.stripe', message: 'is not a known field' },
    ]);
  });

  it('still rejects providerIds that is not an object', () => {
    expect(issuesOf({ ...minimal, providerIds: [] })).toEqual([
      { path: 'providerIds', message: 'must be an object, not an array' },
    ]);
  });
});

describe('providerIds.fatora', () => {
  it.each([
    [1024, 1024],
    ['1024', 1024],
    [' 1024\t', 1024],
    ['0012', 12],
    [1, 1],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])('reads %j as the id %d', (fatora, id) => {
    expect(parseCustomer({ ...minimal, providerIds: { fatora } })).toStrictEqual({ ...minimal, providerIds: { fatora: id } });
  });

  it('gives the same customer for the number and the string of its digits', () => {
    const record = { ...minimal, country: 'PT', providerIds: { yativo: 'y-1', fatora: 1024 } };
    const fromString = parseCustomer({ ...record, providerIds: { ...record.providerIds, fatora: '1024' } });
    expect(fromString).toStrictEqual(parseCustomer(record));
    expect(JSON.stringify(fromString)).toBe(JSON.stringify(parseCustomer(record)));
  });

  it.each([
    [0, NOT_POSITIVE],
    [-3, NOT_POSITIVE],
    [1.5, NOT_POSITIVE],
    ['0', NOT_POSITIVE],
    ['000', NOT_POSITIVE],
    ['-1', NOT_DIGITS],
    ['1.5', NOT_DIGITS],
    ['1e3', NOT_DIGITS],
    ['+12', NOT_DIGITS],
    ['0x10', NOT_DIGITS],
    ['1 024', NOT_DIGITS],
    ['F-1', NOT_DIGITS],
    ['١٢', NOT_DIGITS],
    [2 ** 53, TOO_LARGE],
    [1e300, TOO_LARGE],
    [String(2 ** 53), TOO_LARGE],
    ['99999999999999999999', TOO_LARGE],
    ['', 'must not be empty: leave the field out instead'],
    [' ', 'must not be empty: leave the field out instead'],
  ])('rejects %j', (fatora, message) => {
    expect(issuesOf({ ...minimal, providerIds: { fatora } })).toEqual([{ path: 'providerIds.fatora', message }]);
  });

  it('never puts the given id in a message', () => {
    const issues = issuesOf({ ...minimal, providerIds: { fatora: '98765x' } });
    expect(JSON.stringify(issues)).not.toContain('98765');
  });
});

describe('kind', () => {
  it.each(['individual', 'business'] as const)('keeps %s', (kind) => {
    expect(parseCustomer({ ...minimal, kind })).toStrictEqual({ ...minimal, kind });
  });

  it('trims it, as every text field is trimmed', () => {
    expect(parseCustomer({ ...minimal, kind: ' individual\n' })).toStrictEqual({ ...minimal, kind: 'individual' });
  });

  it('leaves it out when absent: the model applies no default', () => {
    expect(parseCustomer(minimal)).not.toHaveProperty('kind');
    expect(parseCustomer({ ...minimal, kind: undefined })).toStrictEqual(minimal);
  });

  it.each(['Business', 'INDIVIDUAL', 'company', 'person', 'individual business', 'b'])('rejects %j', (kind) => {
    expect(issuesOf({ ...minimal, kind })).toEqual([{ path: 'kind', message: INVALID_KIND }]);
  });

  it('rejects the empty string', () => {
    expect(issuesOf({ ...minimal, kind: '  ' })).toEqual([
      { path: 'kind', message: 'must not be empty: leave the field out instead' },
    ]);
  });

  it('suggests kind for a near miss of its name', () => {
    expect(issuesOf({ ...minimal, kinds: 'business' })).toEqual([
      { path: 'kinds', message: 'is not a known field (did you mean "kind"?)' },
    ]);
  });
});

describe('updatedAt', () => {
  it.each([
    '2024-05-01T12:00Z',
    '2024-05-01T12:00+02:00',
    '2024-05-01T12:00-03:30',
    '2024-05-01T12:00:00Z',
    '2024-05-01T12:00:00.1Z',
    '2024-05-01T12:00:00.123456Z',
    '2024-05-01T12:00:00.123456789+05:45',
    '2024-05-01T23:59:59-00:00',
    '2024-02-29T00:00:00+00:00',
    '2000-02-29T00:00Z',
  ])('keeps %s exactly as given', (updatedAt) => {
    expect(parseCustomer({ ...minimal, updatedAt })).toStrictEqual({ ...minimal, updatedAt });
  });

  it('trims it, as every text field is trimmed, and changes nothing else', () => {
    expect(parseCustomer({ ...minimal, updatedAt: ' 2024-05-01T12:00+02:00\n' }).updatedAt).toBe('2024-05-01T12:00+02:00');
  });

  it.each(['2024-05-01T12:00:00', '2024-05-01T12:00', '2024-05-01T12:00:00.123456'])(
    'rejects %s, which has no time zone, saying so',
    (updatedAt) => {
      expect(issuesOf({ ...minimal, updatedAt })).toEqual([{ path: 'updatedAt', message: NO_TIME_ZONE }]);
    },
  );

  it.each([
    '2024-13-01T12:00:00Z',
    '2024-00-01T12:00Z',
    '2024-04-31T12:00Z',
    '2023-02-29T12:00:00Z',
    '1900-02-29T12:00Z',
    '2024-05-01T25:00Z',
    '2024-05-01T24:00Z',
    '2024-05-01T12:60Z',
    '2024-05-01T12:00:60Z',
    '2024-05-01T12:00+24:00',
    '2024-05-01T12:00+0200',
    '2024-05-01T12:00+02',
    '2024-05-01T12Z',
    '2024-05-01T12:00:00.Z',
    '2024-05-01 12:00Z',
    '2024-05-01',
    '2024-05-01Z',
    '2024-13-01T12:00:00',
    'yesterday',
  ])('rejects %s', (updatedAt) => {
    expect(issuesOf({ ...minimal, updatedAt })).toEqual([{ path: 'updatedAt', message: INVALID_DATE_TIME }]);
  });
});
