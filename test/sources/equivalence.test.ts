import { describe, expect, it } from 'vitest';
import { validateCustomer } from '../../src/model/customer.js';
import { readAll, tempDir } from './helpers.js';

const file = tempDir();

/** A realistic customer: nested address, a numeric provider id, an identity document, text with commas and quotes. */
const customer = {
  id: 'cus-00042',
  email: 'Joana.Silva@Example.com',
  name: 'Silva, "Joana" & Filhos',
  firstName: 'Joana',
  lastName: 'Silva',
  phone: '+351912345678',
  country: 'PT',
  address: { street: 'Rua Augusta', number: '100', city: 'Lisboa', postalCode: '1100-053', country: 'PRT' },
  vatNumber: 'PT123456789',
  locale: 'pt-PT',
  notes: 'Prefers e-mail.\nCall after 18:00, never before.',
  identityDocument: {
    type: 'PASSPORT',
    number: 'CB123456',
    country: 'PT',
    expiresOn: '2031-04',
    front: 'QUJD',
    back: 'REVG',
  },
  updatedAt: '2026-10-01T12:00:00.000Z',
  providerIds: { yativo: 'yat_8f2', fatora: 123456, 'invisible-collector': 'ic-77' },
  kind: 'business',
};

/** The same customer as a CSV row: one quoted cell per path, empty for the columns it does not use. */
/** CSV text: these rows, each ended by a line feed. */
function rows(...lines: string[]): string {
  return lines.map((line) => `${line}\n`).join('');
}

function csvOf(records: readonly Record<string, unknown>[], columns: readonly string[]): string {
  const cell = (record: Record<string, unknown>, path: string): string => {
    let value: unknown = record;
    for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
    return value === undefined ? '' : `"${String(value).replaceAll('"', '""')}"`;
  };
  return [columns.join(','), ...records.map((record) => columns.map((path) => cell(record, path)).join(','))].join('\r\n');
}

describe('CSV and NDJSON', () => {
  it('read the same customer as the same record, and validate to the same customer', async () => {
    const sparse = { id: 'cus-00043', email: 'li.wei@example.cn', address: { city: 'Shanghai' } };
    const columns = [
      'providerIds.fatora', 'id', 'email', 'name', 'firstName', 'lastName', 'phone', 'country',
      'address.street', 'address.number', 'address.city', 'address.state', 'address.postalCode', 'address.country',
      'vatNumber', 'locale', 'notes', 'updatedAt',
      'identityDocument.type', 'identityDocument.number', 'identityDocument.country', 'identityDocument.expiresOn',
      'identityDocument.front', 'identityDocument.back',
      'providerIds.yativo', 'providerIds.bluetape', 'providerIds.invisible-collector', 'kind',
    ];
    const fromCsv = await readAll({ input: file('customers.csv', csvOf([customer, sparse], columns)) });
    const ndjson = `${JSON.stringify(customer)}\n${JSON.stringify(sparse)}\n`;
    const fromNdjson = await readAll({ input: file('customers.ndjson', ndjson) });

    expect(fromCsv.map((record) => record.value)).toEqual([customer, sparse]);
    expect(fromNdjson.map((record) => record.value)).toEqual([customer, sparse]);
    expect(fromCsv.map((record) => record.value)).toEqual(fromNdjson.map((record) => record.value));
    // The CSV record starts at line 2 and its notes span two lines, so the next one starts at line 4.
    expect(fromCsv.map((record) => record.line)).toEqual([2, 4]);

    const validated = fromCsv.map((record) => validateCustomer(record.value));
    expect(validated.every((result) => result.ok)).toBe(true);
    expect(validated).toEqual(fromNdjson.map((record) => validateCustomer(record.value)));
  });

  it('give the same customer for a Fatora id written as a CSV cell, a JSON number or a JSON string of digits', async () => {
    const csv = rows('id,email,providerIds.fatora', 'c1,a@example.com,1024', 'c2,b@example.com," 0042"');
    const fromCsv = await readAll({ input: file('fatora.csv', csv) });
    const ndjson = [
      { id: 'c1', email: 'a@example.com', providerIds: { fatora: '1024' } },
      { id: 'c2', email: 'b@example.com', providerIds: { fatora: 42 } },
    ];
    const fromNdjson = await readAll({ input: file('fatora.ndjson', ndjson.map((line) => JSON.stringify(line)).join('\n')) });
    const customers = [
      { ok: true, customer: { id: 'c1', email: 'a@example.com', providerIds: { fatora: 1024 } } },
      { ok: true, customer: { id: 'c2', email: 'b@example.com', providerIds: { fatora: 42 } } },
    ];
    expect(fromCsv.map((record) => validateCustomer(record.value))).toEqual(customers);
    expect(fromNdjson.map((record) => validateCustomer(record.value))).toEqual(customers);
  });
});
