import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nullCountStatement, quoteIdentifier, sourceHash, watermarkStatement } from '../../src/sources/postgres-statement.js';
import { resolvePostgresLocation, watermarkInput } from '../../src/sources/postgres-url.js';

describe('the --since-last-run statement', () => {
  it('reads every row in the column order on a first night', () => {
    expect(watermarkStatement('SELECT id, updated_at FROM customers', 'updated_at', undefined)).toEqual({
      text: 'SELECT * FROM (SELECT id, updated_at FROM customers) s ORDER BY "updated_at"',
      values: [],
    });
  });

  it('binds the stored value, cast to its stored type, on the next night', () => {
    const bound = { value: '2026-12-01 10:00:00.123456+00', type: 'timestamp with time zone' };
    expect(watermarkStatement('SELECT * FROM "crm"."customers"', 'updatedAt', bound)).toEqual({
      text: 'SELECT * FROM (SELECT * FROM "crm"."customers") s WHERE "updatedAt" >= $1::timestamp with time zone ORDER BY "updatedAt"',
      values: ['2026-12-01 10:00:00.123456+00'],
    });
  });

  it('quotes the column: a name cannot add SQL of its own', () => {
    expect(quoteIdentifier('a" OR true --')).toBe('"a"" OR true --"');
    expect(() => quoteIdentifier('')).toThrow('is not a column name');
    expect(nullCountStatement('TABLE t', 'x"y')).toBe('SELECT count(*) AS n FROM (TABLE t) s WHERE "x""y" IS NULL');
  });

  it('keys a query by the sha256 of its text and a table by that of its quoted name', () => {
    const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
    expect(sourceHash({ query: ' SELECT id FROM t; ' })).toBe(sha('SELECT id FROM t'));
    expect(sourceHash({ table: 'crm.customers' })).toBe(sha('"crm"."customers"'));
  });
});

describe('the watermark key of a PostgreSQL input', () => {
  it('leaves out the user, the password and every query parameter but options', () => {
    const location = resolvePostgresLocation('postgresql://sync:${PW}@DB.internal:6432/crm?sslmode=require&sslpassword=hunter2&options=-c%20search_path%3Dcrm', {
      PW: 's3cret',
    });
    expect(watermarkInput(location)).toBe('postgresql://db.internal:6432/crm?options=-c+search_path%3Dcrm');
  });

  it('is the same whoever connects, and fills what the URL leaves out as libpq does', () => {
    const env = { PGHOST: 'db.internal', PGUSER: 'sync', PGPASSWORD: 'pw', PGDATABASE: 'crm' };
    const a = watermarkInput(resolvePostgresLocation('postgresql://', env));
    const b = watermarkInput(resolvePostgresLocation('postgresql://other:pw2@db.internal:5432/crm', {}));
    expect(a).toBe('postgresql://db.internal:5432/crm');
    expect(b).toBe(a);
  });
});
