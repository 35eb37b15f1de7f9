import { CUSTOMER_HEADER_RULES, type CsvColumn, type HeaderRules, parseHeader } from './csv-header.js';
import { csvRows } from './csv-rows.js';
import { inputError, type Input } from './input.js';
import { setAtPath } from './record-path.js';
import type { SourceRecord } from './types.js';

const WHOLE_NUMBER = /^-?\d+$/;

/** A whole-number cell of a numeric column as a number; anything else stays text, for validation to report. */
function cellValue(cell: string, column: CsvColumn): unknown {
  if (!column.numeric || !WHOLE_NUMBER.test(cell)) return cell;
  const number = Number(cell);
  return Number.isSafeInteger(number) ? number : cell;
}

/**
 * The record a CSV row stands for: the same object the customer's NDJSON line parses to (DESIGN §6). An empty cell
 * is an absent field (its key left out); objects are made from dot paths, and only when one of their fields is
 * present. `undefined` when every cell is empty (a row of commas, as spreadsheets leave behind).
 */
export function rowToRecord(
  cells: readonly string[],
  columns: readonly CsvColumn[],
): Record<string, unknown> | undefined {
  let record: Record<string, unknown> | undefined;
  for (const [index, column] of columns.entries()) {
    const cell = cells[index];
    if (cell === undefined || cell === '') continue;
    record ??= {};
    setAtPath(record, column.path, cellValue(cell, column));
  }
  return record;
}

/**
 * CSV records (DESIGN §6). The first row is the header; a problem with it throws a SourceError before any record is
 * produced. A record carries the line where its row starts, so a quoted multi-line cell does not shift it. No `raw`:
 * a row's text means nothing without the header (the same text under reordered columns is another record).
 */
export async function* csvRecords(input: Input, maxRecordBytes: number, rules: HeaderRules = CUSTOMER_HEADER_RULES): AsyncGenerator<SourceRecord> {
  let columns: CsvColumn[] | undefined;
  for await (const row of csvRows(input.chunks(), maxRecordBytes)) {
    if (columns === undefined) {
      if (row.error !== undefined) {
        throw inputError(input, `the CSV header row (line ${row.line}) is malformed: ${row.error}`);
      }
      columns = parseHeader(row.cells, input, rules);
      continue;
    }
    if (row.error !== undefined) {
      yield { line: row.line, error: row.error };
      continue;
    }
    const value = rowToRecord(row.cells, columns);
    if (value !== undefined) yield { line: row.line, value };
  }
  if (columns === undefined) throw inputError(input, 'the CSV input is empty (no header row)');
}
