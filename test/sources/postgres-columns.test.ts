import { describe, expect, it } from 'vitest';
import { REDACTED, redactUrl, urlSecrets } from '../../src/errors/redact.js';
import { ColumnError, mapColumns, rowBytes, rowToRecord } from '../../src/sources/postgres-columns.js';
import { resolvePostgresLocation } from '../../src/sources/postgres-url.js';
import { quoteTable, statementOf } from '../../src/sources/postgres.js';

describe('PostgreSQL columns', () => {
  it('maps columns named as CSV headers to the record, NULL as an absent field', () => {
    const columns = mapColumns(['id', 'email', 'address.city', 'address.postalCode', 'phone']);
    expect(rowToRecord(['c-1', 'a@example.com', 'Lisboa', null, null], columns)).toEqual({ id: 'c-1', email: 'a@example.com', address: { city: 'Lisboa' } });
    expect(rowToRecord(['c-2', 'b@example.com', null, null, null], columns)).toEqual({ id: 'c-2', email: 'b@example.com' });
  });

  it('gives a timestamp as ISO text and a whole-number text as a number where the field is numeric', () => {
    const numeric = 'providerIds.fatora';
    const columns = mapColumns(['id', 'email', 'updatedAt', numeric]);
    const record = rowToRecord(['c-1', 'a@example.com', new Date('2026-11-01T10:00:00Z'), '12345678901'], columns);
    expect(record).toEqual({ id: 'c-1', email: 'a@example.com', updatedAt: '2026-11-01T10:00:00.000Z', providerIds: { fatora: 12345678901 } });
  });

  it('refuses an unknown column with the closest field, as the CSV header does', () => {
    expect(() => mapColumns(['id', 'email', 'adress.city'])).toThrow(ColumnError);
    expect(() => mapColumns(['id', 'email', 'adress.city'])).toThrow('unknown column "adress.city"; did you mean "address.city"?');
    expect(() => mapColumns(['id', 'email', 'address'])).toThrow(/column "address" is an object, not a field/);
    expect(() => mapColumns(['id', 'email', 'email'])).toThrow('duplicate column "email"');
    expect(() => mapColumns(['id', 'phone'])).toThrow(`the query's result lacks the required column "email"`);
  });

  it('hashes a row with its column names, so the same values under other columns are another row', () => {
    const a = rowBytes(['id', 'email'], ['c-1', 'x@example.com']);
    expect(a.toString()).toBe('{"id":"c-1","email":"x@example.com"}');
    expect(rowBytes(['email', 'id'], ['c-1', 'x@example.com']).equals(a)).toBe(false);
    expect(rowBytes(['id', 'phone'], ['c-1', null]).toString()).toBe('{"id":"c-1","phone":null}');
  });
});

describe('PostgreSQL input', () => {
  it('quotes --table as an identifier, schema.table allowed', () => {
    expect(quoteTable('crm.customers')).toBe('"crm"."customers"');
    expect(quoteTable('we"ird')).toBe('"we""ird"');
    expect(() => quoteTable('a.b.c')).toThrow('is not a table name');
    expect(statementOf({ query: ' SELECT id FROM t;  ' })).toBe('SELECT id FROM t');
    expect(statementOf({ table: 'customers' })).toBe('SELECT * FROM "customers"');
  });

  it('substitutes ${VAR}s (encoded inside the URL) and fills the rest from the PG* variables', () => {
    const env = { DB_PASS: 'p@ss/word', PGUSER: 'app', PGDATABASE: 'crm', PGPASSWORD: 'unused-here' };
    const location = resolvePostgresLocation('postgresql://sync:${DB_PASS}@db.internal:6432', env);
    expect(location.url).toBe('postgresql://sync:p%40ss%2Fword@db.internal:6432/crm');
    expect(location.where).toBe('db.internal:6432/crm');
    expect(location.label).toBe(`postgresql://sync:${REDACTED}@db.internal:6432`);
    expect(location.secrets).toEqual(expect.arrayContaining(['p@ss/word', 'unused-here']));
    const whole = resolvePostgresLocation('${DATABASE_URL}', { DATABASE_URL: 'postgres://u:pw1234@h/d' });
    expect(whole).toMatchObject({ url: 'postgres://u:pw1234@h/d', label: `postgres://u:${REDACTED}@h/d`, where: 'h:5432/d' });
  });

  it('redacts a URL\'s password and password= parameter, and lists them as secrets', () => {
    expect(redactUrl('postgresql://app:s3cr%40t@db/crm?password=other&sslmode=require')).toBe(`postgresql://app:${REDACTED}@db/crm?password=${REDACTED}&sslmode=require`);
    expect(urlSecrets('postgresql://app:s3cr%40t@db/crm?password=other')).toEqual(['s3cr%40t', 's3cr@t', 'other']);
    expect(redactUrl('not a url')).toBe('not a url');
  });
});
