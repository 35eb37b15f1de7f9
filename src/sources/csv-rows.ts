import { Parser, type CsvError, type InfoRecord } from 'csv-parse';
import { describeBytes } from './limits.js';

/** One CSV row: its cells, or why it could not be read. `line` is where the row starts (1-based). */
export type CsvRow = { line: number; cells: string[]; error?: never } | { line: number; error: string; cells?: never };

const QUOTE_NOT_CLOSED = 'a quoted cell is never closed: the rest of the input was read into it and not used';

const MESSAGES: Partial<Record<CsvError['code'], string>> = {
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted cell (quote the cell and double the quote)',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by other characters than a comma or the line end',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a closing quote is followed by other characters',
  CSV_QUOTE_NOT_CLOSED: QUOTE_NOT_CLOSED,
};

function count(cells: readonly string[], char: string): number {
  let n = 0;
  for (const cell of cells) for (let i = cell.indexOf(char); i !== -1; i = cell.indexOf(char, i + 1)) n++;
  return n;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((cell) => typeof cell === 'string');
}

/**
 * Line numbers as a user sees them (one per `\n`), from csv-parse's `info.lines`, which is the line where a record
 * ends and counts each `\r` and `\n` inside a quoted cell as a line: a `\r\n` inside a cell is two lines to it, and
 * the gap stays for the rest of the file. The start of a record is its end less the line breaks inside its cells.
 */
class LineMap {
  /** Lines csv-parse counted so far that are not line breaks (`\r` inside cells). */
  private drift = 0;
  /** Where the last row that was read whole ended. */
  lastEnd = 0;

  /** Start line of a row read whole, its cells known; `parserLine` is csv-parse's line at its end. */
  rowStart(cells: readonly string[], parserLine: number): number {
    this.drift += count(cells, '\r');
    this.lastEnd = parserLine - this.drift;
    return this.lastEnd - count(cells, '\n');
  }

  /** Our line for a csv-parse line number met mid-row. */
  at(parserLine: number): number {
    return parserLine - this.drift;
  }
}

/**
 * Streams the rows of a CSV input with csv-parse (RFC 4180: `,`, `"` quoting with `""` inside, `\n` or `\r\n` rows,
 * blank lines skipped). Options, and why:
 * - `skip_records_with_error`: a malformed row (wrong number of cells, bad quoting) is reported through `on_skip` and
 *   parsing goes on at the next row instead of failing the whole input; every such row becomes an error row here.
 * - `relax_column_count` and `relax_quotes` stay off: a row with a cell too many or a stray quote would otherwise be
 *   read as data in the wrong fields, silently.
 * - `on_record` returns null: rows and errors are queued here in the order they occur (csv-parse's readable side
 *   would deliver rows after the errors found in the same chunk), and csv-parse's own buffer stays empty.
 * - no `max_record_size`: when skipping errors, csv-parse drops the rest of the chunk after that error. The cap is
 *   kept here instead: more than `maxRecordBytes` without a row ending (usually a quote never closed) stops reading.
 * One chunk is parsed at a time and the next is read only once the consumer has taken every row of it.
 */
export async function* csvRows(chunks: AsyncIterable<Buffer>, maxRecordBytes: number): AsyncGenerator<CsvRow> {
  const queue: CsvRow[] = [];
  const lines = new LineMap();
  let read = 0;
  /** Bytes read up to the end of the last row or error: what follows is held by csv-parse. */
  let settled = 0;
  let header: number | undefined;
  let lastError: number | undefined;

  const pushError = (line: number, error: string): void => {
    // One report per row: a second quoting problem in the same row adds nothing.
    if (lastError === line && error !== QUOTE_NOT_CLOSED) return;
    lastError = line;
    queue.push({ line, error });
  };

  const parser = new Parser({
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (cells: string[], info: InfoRecord) => {
      header ??= cells.length;
      settled = info.bytes;
      lastError = undefined;
      queue.push({ line: lines.rowStart(cells, info.lines), cells });
      return null;
    },
    on_skip: (error: CsvError | undefined) => {
      if (error === undefined) return undefined;
      if (typeof error.bytes === 'number') settled = Math.max(settled, error.bytes);
      const parserLine = typeof error.lines === 'number' ? error.lines : 0;
      if (error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && isStrings(error.record)) {
        const message = `expected ${header ?? '?'} cells as in the header, found ${error.record.length}`;
        pushError(lines.rowStart(error.record, parserLine), message);
      } else if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
        // Where the quote was opened is not known: after the last row read whole, or at the bad quote that left the
        // cell open (`"x"y` is not a closing quote), whichever is later.
        pushError(Math.max(lines.lastEnd + 1, lastError ?? 0), QUOTE_NOT_CLOSED);
      } else {
        pushError(lines.at(parserLine), MESSAGES[error.code] ?? `malformed CSV row (${error.code})`);
      }
      return undefined;
    },
  });
  // Errors reach the write callbacks below; this listener keeps them from being thrown as unhandled events.
  parser.on('error', () => undefined);

  try {
    for await (const chunk of chunks) {
      read += chunk.length;
      const failed = await feed(parser, chunk);
      for (const row of queue.splice(0)) yield row;
      if (failed) {
        yield { line: lines.lastEnd + 1, error: 'malformed CSV; reading stopped' };
        return;
      }
      if (read - settled > maxRecordBytes) {
        const error = `a CSV row longer than ${describeBytes(maxRecordBytes)} (a quote never closed?); reading stopped`;
        yield { line: lines.lastEnd + 1, error };
        return;
      }
    }
    const failed = await feed(parser, undefined);
    for (const row of queue.splice(0)) yield row;
    if (failed) yield { line: lines.lastEnd + 1, error: 'malformed CSV; reading stopped' };
  } finally {
    parser.destroy();
  }
}

/** Parses one chunk (or the end, for `undefined`); resolves true when csv-parse failed for good. */
function feed(parser: Parser, chunk: Buffer | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (error?: Error | null): void => resolve(error !== undefined && error !== null);
    if (chunk === undefined) parser.end(done);
    else parser.write(chunk, done);
  });
}
