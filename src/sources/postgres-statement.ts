import { createHash } from 'node:crypto';

/*
 * The SQL a PostgreSQL source runs, built from what the user gave: kept apart from the cursor (and from `pg`) so it
 * is tested on its own. Identifiers are quoted; values are bound, never written into the text.
 */

/** A name as a quoted identifier: no name can close the quotes and add SQL of its own. */
export function quoteIdentifier(name: string): string {
  if (name === '' || name.includes('\u0000')) throw new Error(`${JSON.stringify(name)} is not a column name`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** `schema.table` or `table` as a quoted identifier: no name can close the quotes and add SQL of its own. */
export function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    throw new Error(`--table "${table}" is not a table name: expected name or schema.name`);
  }
  return parts.map((part) => `"${part.replaceAll('"', '""')}"`).join('.');
}

/** The statement the cursor runs: the query without the semicolon a user may end it with, or the whole table. */
export function statementOf(options: { query?: string | undefined; table?: string | undefined }): string {
  if (options.table !== undefined) return `SELECT * FROM ${quoteTable(options.table)}`;
  const query = (options.query ?? '').trim().replace(/;\s*$/, '');
  if (query === '') throw new Error('--query is empty');
  return query;
}

/**
 * What a watermark is kept for, besides the input and the column: the sha256 (hex) of the query's text (as
 * `statementOf` runs it) or of the quoted table name. Editing the query starts from nothing again, as it should:
 * the rows it selects may be others.
 */
export function sourceHash(options: { query?: string | undefined; table?: string | undefined }): string {
  const text = options.table !== undefined ? quoteTable(options.table) : statementOf(options);
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A lower bound: the watermark's text and the type it is cast to (a name PostgreSQL printed, see `postgres.ts`). */
export interface Bound {
  value: string;
  type: string;
}

/**
 * The `--since-last-run` statement (issue 14): every row of `statement` ordered by `column`, or with a bound only
 * those at or above it, the value bound as `$1` and cast to its stored type. Rows come in the column's order, so the
 * run can tell the lowest unconfirmed value by the order it read rows in; NULLs sort last and never match `>=`.
 */
export function watermarkStatement(statement: string, column: string, bound: Bound | undefined): { text: string; values: string[] } {
  const quoted = quoteIdentifier(column);
  if (bound === undefined) return { text: `SELECT * FROM (${statement}) s ORDER BY ${quoted}`, values: [] };
  return { text: `SELECT * FROM (${statement}) s WHERE ${quoted} >= $1::${bound.type} ORDER BY ${quoted}`, values: [bound.value] };
}

/** The rows a bound never selects: those whose column is NULL. */
export function nullCountStatement(statement: string, column: string): string {
  return `SELECT count(*) AS n FROM (${statement}) s WHERE ${quoteIdentifier(column)} IS NULL`;
}

/** The result's columns and their types without reading a row: what the watermark column is checked against. */
export function probeStatement(statement: string): string {
  return `SELECT * FROM (${statement}) s LIMIT 0`;
}
