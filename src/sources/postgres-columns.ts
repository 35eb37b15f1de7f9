import { closestPath } from '../model/suggest.js';
import { CUSTOMER_HEADER_RULES, type CsvColumn, type HeaderRules } from './csv-header.js';
import { setAtPath } from './record-path.js';

/*
 * A query's columns are a CSV header by other means: the same names (dot paths such as `address.city`,
 * `providerIds.<id>`) map to the same fields, with the same rules and the same did-you-mean. Only the values differ:
 * PostgreSQL's are typed, so NULL (not an empty string) is an absent field.
 */

/** Why a result's columns cannot be read; the message names the column, never a row's data. */
export class ColumnError extends Error {
  override name = 'ColumnError';
}

/** How a column name is shown: quoted, cut short (a computed column may be named after a long expression). */
function shown(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 61)}...` : name);
}

/** Maps each column of a query's result to its field; throws a ColumnError for the first column that cannot be one. */
export function mapColumns(names: readonly string[], rules: HeaderRules = CUSTOMER_HEADER_RULES): CsvColumn[] {
  const known = `(known: ${rules.known.join(', ')})`;
  const seen = new Set<string>();
  for (const name of names) {
    if (!rules.known.includes(name)) {
      const fields = rules.known.filter((path) => path.startsWith(`${name}.`));
      if (fields.length > 0) throw new ColumnError(`column ${shown(name)} is an object, not a field: select its fields as "${fields[0]}"… (${fields.join(', ')})`);
      const suggestion = closestPath(name, rules.known);
      const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"? (alias it: AS "${suggestion}")`;
      throw new ColumnError(`unknown column ${shown(name)}${hint} ${known}`);
    }
    if (seen.has(name)) throw new ColumnError(`duplicate column ${shown(name)}`);
    seen.add(name);
  }
  const missing = rules.required.filter((path) => !seen.has(path));
  if (missing.length > 0) {
    const list = missing.map((path) => `"${path}"`).join(', ');
    throw new ColumnError(`the query's result lacks the required column${missing.length > 1 ? 's' : ''} ${list}`);
  }
  return names.map((name) => ({ path: name.split('.'), numeric: rules.numeric.includes(name) }));
}

const WHOLE_NUMBER = /^-?\d+$/;

/** A value as the record holds it: timestamps as ISO text, a bigint's text as a number where the field is numeric. */
function fieldValue(value: unknown, column: CsvColumn): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (column.numeric && typeof value === 'string' && WHOLE_NUMBER.test(value)) {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : value;
  }
  return value;
}

/**
 * The record a row stands for: the object the customer's NDJSON line would parse to. NULL is an absent field (its
 * key left out); objects are made from dot paths, and only when one of their fields is present. A row of NULLs is
 * an empty record, which validation reports (the row is data, unlike a CSV file's row of commas).
 */
export function rowToRecord(values: readonly unknown[], columns: readonly CsvColumn[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [index, column] of columns.entries()) {
    const value = values[index];
    if (value === null || value === undefined) continue;
    setAtPath(record, column.path, fieldValue(value, column));
  }
  return record;
}

/**
 * A row's bytes for the raw-row skip: a JSON object of its columns in result order, names included, so the same
 * values under other or reordered columns are another row. Dates go as JSON puts them (ISO text).
 */
export function rowBytes(names: readonly string[], values: readonly unknown[]): Buffer {
  let text = '{';
  for (const [index, name] of names.entries()) {
    if (index > 0) text += ',';
    text += `${JSON.stringify(name)}:${JSON.stringify(values[index] ?? null) ?? 'null'}`;
  }
  return Buffer.from(`${text}}`, 'utf8');
}
