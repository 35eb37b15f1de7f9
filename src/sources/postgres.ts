import pg from 'pg';
import { maskPersonalData } from '../errors/mask.js';
import { redact } from '../errors/redact.js';
import type { CustomerModel } from '../model/customer.js';
import { closestPath } from '../model/suggest.js';
import { CUSTOMER_HEADER_RULES, headerRulesFor, type CsvColumn } from './csv-header.js';
import { SourceError } from './errors.js';
import { ColumnError, mapColumns, rowBytes, rowToRecord } from './postgres-columns.js';
import { nullCountStatement, probeStatement, quoteTable, statementOf, watermarkStatement, type Bound } from './postgres-statement.js';
import type { PostgresLocation } from './postgres-url.js';
import type { Source, SourceItem, SourceRecord, UnparsedLine } from './types.js';

export { quoteTable, statementOf } from './postgres-statement.js';

/** Rows fetched per round trip: the most rows held in memory at once, on top of the batches being sent. */
export const DEFAULT_FETCH_ROWS = 1000;

const CURSOR = 'customer_sync_rows';

export interface PostgresSourceOptions {
  location: PostgresLocation;
  /** The user's own SQL (one SELECT, VALUES or TABLE statement), or… */
  query?: string | undefined;
  /** …a table (`name` or `schema.name`, taken exactly as written: quoted, so case-sensitive). */
  table?: string | undefined;
  model?: CustomerModel | undefined;
  fetchRows?: number | undefined;
  connectTimeoutMs?: number | undefined;
  /**
   * `--since-last-run COLUMN`: the rows come ordered by this column of the result, which is read (each row's `mark`)
   * and not mapped to the record; the cursor is declared by `watermark.start`, once the bound is known.
   */
  watermarkColumn?: string | undefined;
}

/** The watermark column of a `--since-last-run` source, and how its reading starts. */
export interface WatermarkReader {
  readonly column: string;
  /** The column's type as PostgreSQL names it (`format_type`), e.g. `timestamp with time zone`. */
  readonly type: string;
  /**
   * Declares the cursor: every row (no bound: a first night, `--full`), or the rows whose column is at or above
   * `bound.value` cast to `bound.type`; also counts the rows a bound leaves out for being NULL. Once, before reading.
   * Throws a SourceError for a bound the server cannot take.
   */
  start(bound: Bound | undefined): Promise<{ unreadNulls: number }>;
}

/** A PostgreSQL source; with `watermarkColumn`, its reader (rows carry `mark`, the column's value as text). */
export interface PostgresSource extends Source {
  readonly watermark?: WatermarkReader | undefined;
}

/**
 * A data exception (SQLSTATE class 22: a failed cast, a value out of range) quotes the value it met, which may be a
 * row's street or name, beyond what maskPersonalData can recognize: everything between its first and last double
 * quote goes (a value may hold quotes itself). Other classes quote identifiers (a column, a table), which stay.
 */
function withoutQuotedValue(message: string, code: unknown): string {
  return typeof code === 'string' && code.startsWith('22') ? message.replace(/"[\s\S]*"/, '(the value, not shown)') : message;
}

/**
 * The server's message and, when it gives one, its hint; the URL's secrets taken out (a message may echo a DSN), a
 * data exception's quoted value left out, and emails and phone numbers masked.
 */
function serverMessage(error: unknown, secrets: readonly string[]): string {
  if (!(error instanceof Error)) return maskPersonalData(redact(String(error), secrets));
  const inner = error instanceof AggregateError && error.message === '' ? (error.errors[0] as unknown) : error;
  const code = (inner as { code?: unknown }).code;
  const base = inner instanceof Error ? withoutQuotedValue(inner.message, code) || String(code ?? inner.name) : String(inner);
  const hint = (error as { hint?: unknown }).hint;
  return maskPersonalData(redact(typeof hint === 'string' && hint !== '' ? `${base} (hint: ${hint})` : base, secrets));
}

class PostgresRow implements UnparsedLine {
  constructor(
    readonly line: number,
    readonly bytes: Buffer,
    private readonly values: readonly unknown[],
    private readonly columns: readonly CsvColumn[],
    /** The watermark column's value as PostgreSQL prints it, exact (no rounding through a Date). */
    readonly mark?: string | null,
  ) {}

  parse(): SourceRecord {
    return { line: this.line, value: rowToRecord(this.values, this.columns) };
  }
}

/** How a column name is shown in a message: quoted, cut short. */
const shown = (name: string): string => JSON.stringify(name.length > 64 ? `${name.slice(0, 61)}...` : name);

/**
 * Rows of a query or table as a Source, read through a server-side cursor (`DECLARE … NO SCROLL CURSOR` in a
 * read-only transaction, `FETCH` of `fetchRows` at a time): memory stays bounded whatever the table's size, and the
 * rows are one snapshot of the database. Each row comes as an unparsed item whose bytes are its columns as JSON,
 * so the raw-row skip passes over a row every provider confirmed last time without mapping or validating it; its
 * `line` is the row's 1-based position in the result.
 *
 * Throws a SourceError, before anything is sent, for a server that cannot be reached, a query the server refuses
 * (its own message), or a column that is no field (or, with `watermarkColumn`, a watermark column the result lacks);
 * none of them holds the URL's password.
 */
export async function openPostgresSource(options: PostgresSourceOptions): Promise<PostgresSource> {
  const { location } = options;
  const fail = (message: string, cause?: unknown): never => {
    throw new SourceError(location.label, redact(message, location.secrets), cause === undefined ? undefined : { name: 'PostgresError', message: serverMessage(cause, location.secrets) });
  };
  let statement: string;
  try {
    statement = statementOf(options);
  } catch (error) {
    return fail((error as Error).message);
  }
  const rules = options.model === undefined ? CUSTOMER_HEADER_RULES : headerRulesFor(options.model);
  const fetchRows = options.fetchRows ?? DEFAULT_FETCH_ROWS;
  const client = new pg.Client({
    connectionString: location.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'customer-sync',
  });
  // A connection dropped while nobody queries would crash the process; the next FETCH reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    return fail(`cannot connect to PostgreSQL at ${location.where}: ${serverMessage(error, location.secrets)}`);
  }
  let closed = false;
  let bytesRead = 0;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    // Ending the connection ends the transaction: the cursor goes with it.
    await client.end().catch(() => undefined);
  };
  const what = options.table === undefined ? 'the query failed' : `cannot read table ${quoteTable(options.table)}`;
  const column = options.watermarkColumn;

  let first: pg.QueryArrayResult | undefined;
  let fields: pg.FieldDef[];
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    // Between two FETCHes the transaction waits while the rows already read are pushed (minutes, at a provider's
    // rate limit): a server's idle_in_transaction_session_timeout would end the run halfway. For this transaction
    // only; the snapshot it holds is that of any long read.
    await client.query('SET LOCAL idle_in_transaction_session_timeout = 0');
    if (column === undefined) {
      await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${statement}`);
      first = await client.query({ text: `FETCH FORWARD ${fetchRows} FROM ${CURSOR}`, rowMode: 'array' });
      fields = first.fields;
    } else {
      // The cursor waits for the bound (`start`); the columns are known now, so a wrong one stops the run here.
      fields = (await client.query({ text: probeStatement(statement), rowMode: 'array' })).fields;
    }
  } catch (error) {
    await close();
    return fail(`${what} at ${location.where}: ${serverMessage(error, location.secrets)}`);
  }
  const allNames = fields.map((field) => field.name);
  const markAt = column === undefined ? -1 : allNames.indexOf(column);
  const names = markAt < 0 ? allNames : allNames.filter((_, index) => index !== markAt);
  let columns: CsvColumn[];
  try {
    if (column !== undefined) checkWatermarkColumn(column, allNames);
    columns = mapColumns(names, rules);
  } catch (error) {
    await close();
    if (error instanceof ColumnError) return fail(`${location.label}: ${error.message}`);
    throw error;
  }

  // The watermark column comes as the server prints it (microseconds and all: a Date would cut a timestamp to
  // milliseconds, and a bound rounded up would pass over rows); other columns of its type are parsed as pg would.
  const markOid = markAt < 0 ? undefined : fields[markAt]?.dataTypeID;
  const parseLikeMark = markOid === undefined ? undefined : pg.types.getTypeParser(markOid, 'text');
  const likeMark = markOid === undefined ? [] : names.flatMap((_, index) => (fields[index < markAt ? index : index + 1]?.dataTypeID === markOid ? [index] : []));
  const types = markOid === undefined ? undefined : { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === markOid ? (text: string) => text : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser };
  const fetch = (): Promise<pg.QueryArrayResult> => client.query({ text: `FETCH FORWARD ${fetchRows} FROM ${CURSOR}`, rowMode: 'array', ...(types ? { types } : {}) });

  let watermark: WatermarkReader | undefined;
  if (column !== undefined) {
    let type: string;
    try {
      type = (await client.query<{ type: string }>('SELECT format_type($1::oid, NULL) AS type', [markOid])).rows[0]?.type ?? 'text';
    } catch (error) {
      await close();
      return fail(`${what} at ${location.where}: ${serverMessage(error, location.secrets)}`);
    }
    let started = false;
    watermark = {
      column,
      type,
      start: async (bound) => {
        if (started) throw new Error('the watermark reader was started already');
        started = true;
        try {
          let unreadNulls = 0;
          let cast: Bound | undefined;
          if (bound !== undefined) {
            // The stored type goes through the server's own parser of type names, never into the SQL as given.
            const known = await client.query<{ type: string | null }>('SELECT format_type(to_regtype($1), NULL) AS type', [bound.type]);
            const stored = known.rows[0]?.type;
            if (stored == null) fail(`--since-last-run ${shown(column)}: the stored watermark's type ${JSON.stringify(bound.type)} is no type at ${location.where}; rerun with --full`);
            cast = { value: bound.value, type: stored as string };
            const nulls = await client.query<{ n: string }>(nullCountStatement(statement, column));
            unreadNulls = Number(nulls.rows[0]?.n ?? 0);
          }
          const { text, values } = watermarkStatement(statement, column, cast);
          await client.query({ text: `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${text}`, values });
          first = await fetch();
          return { unreadNulls };
        } catch (error) {
          await close();
          if (error instanceof SourceError) throw error;
          return fail(`${what} at ${location.where}: ${serverMessage(error, location.secrets)}`);
        }
      },
    };
  }

  let row = 0;
  const itemsOf = (result: pg.QueryArrayResult): SourceItem[] =>
    result.rows.map((all) => {
      row += 1;
      let values: unknown[] = all;
      let mark: string | null | undefined;
      if (markAt >= 0) {
        mark = (all[markAt] ?? null) as string | null;
        values = all.filter((_, index) => index !== markAt);
        for (const index of likeMark) if (values[index] !== null) values[index] = parseLikeMark?.(values[index] as string);
      }
      const bytes = rowBytes(names, values);
      bytesRead += bytes.length;
      return new PostgresRow(row, bytes, values, columns, mark);
    });

  async function* batches(): AsyncGenerator<readonly SourceItem[], void, undefined> {
    if (first === undefined && !closed) throw new Error('the rows are read once the watermark reader started');
    let result: pg.QueryArrayResult | undefined = first;
    try {
      while (result !== undefined && !closed) {
        if (result.rows.length > 0) yield itemsOf(result);
        if (result.rows.length < fetchRows || closed) break;
        try {
          result = await fetch();
        } catch (error) {
          // Ending the connection on close() fails a FETCH in flight: not a read failure.
          if (closed) return;
          fail(`reading rows from PostgreSQL at ${location.where} failed after row ${row}: ${serverMessage(error, location.secrets)}`);
        }
      }
    } finally {
      await close();
    }
  }

  const read = batches();
  async function* records(): AsyncGenerator<SourceRecord, void, undefined> {
    for await (const batch of read) for (const item of batch) yield (item as PostgresRow).parse();
  }
  return { format: 'postgresql', batches: read, records: records(), bytesRead: () => bytesRead, close, watermark };
}

/** The watermark column must be one column of the result, exactly as named (it is quoted). */
function checkWatermarkColumn(column: string, names: readonly string[]): void {
  const found = names.filter((name) => name === column).length;
  if (found === 1) return;
  if (found > 1) throw new ColumnError(`--since-last-run: the result has ${found} columns named ${shown(column)}: alias all but one`);
  const suggestion = names.find((name) => name.toLowerCase() === column.toLowerCase()) ?? closestPath(column, names);
  const hint = suggestion === undefined ? '' : `; did you mean ${shown(suggestion)}?`;
  throw new ColumnError(`--since-last-run: unknown column ${shown(column)}${hint} (the result's columns: ${names.map(shown).join(', ')})`);
}
