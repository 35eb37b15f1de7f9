import pg from 'pg';
import { maskPersonalData } from '../errors/mask.js';
import { redact } from '../errors/redact.js';
import type { CustomerModel } from '../model/customer.js';
import { CUSTOMER_HEADER_RULES, headerRulesFor, type CsvColumn } from './csv-header.js';
import { SourceError } from './errors.js';
import { ColumnError, mapColumns, rowBytes, rowToRecord } from './postgres-columns.js';
import type { PostgresLocation } from './postgres-url.js';
import type { Source, SourceItem, SourceRecord, UnparsedLine } from './types.js';

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
export function statementOf(options: Pick<PostgresSourceOptions, 'query' | 'table'>): string {
  if (options.table !== undefined) return `SELECT * FROM ${quoteTable(options.table)}`;
  const query = (options.query ?? '').trim().replace(/;\s*$/, '');
  if (query === '') throw new Error('--query is empty');
  return query;
}

/**
 * The server's message and, when it gives one, its hint; the URL's secrets taken out (a message may echo a DSN) and
 * emails and phone numbers masked (a type error quotes the value it met, which may be a row's).
 */
function serverMessage(error: unknown, secrets: readonly string[]): string {
  if (!(error instanceof Error)) return maskPersonalData(redact(String(error), secrets));
  const inner = error instanceof AggregateError && error.message === '' ? (error.errors[0] as unknown) : error;
  const base = inner instanceof Error ? inner.message || String((inner as { code?: unknown }).code ?? inner.name) : String(inner);
  const hint = (error as { hint?: unknown }).hint;
  return maskPersonalData(redact(typeof hint === 'string' && hint !== '' ? `${base} (hint: ${hint})` : base, secrets));
}

class PostgresRow implements UnparsedLine {
  constructor(
    readonly line: number,
    readonly bytes: Buffer,
    private readonly values: readonly unknown[],
    private readonly columns: readonly CsvColumn[],
  ) {}

  parse(): SourceRecord {
    return { line: this.line, value: rowToRecord(this.values, this.columns) };
  }
}

/**
 * Rows of a query or table as a Source, read through a server-side cursor (`DECLARE … NO SCROLL CURSOR` in a
 * read-only transaction, `FETCH` of `fetchRows` at a time): memory stays bounded whatever the table's size, and the
 * rows are one snapshot of the database. Each row comes as an unparsed item whose bytes are its columns as JSON,
 * so the raw-row skip passes over a row every provider confirmed last time without mapping or validating it; its
 * `line` is the row's 1-based position in the result.
 *
 * Throws a SourceError, before anything is sent, for a server that cannot be reached, a query the server refuses
 * (its own message), or a column that is no field; none of them holds the URL's password.
 */
export async function openPostgresSource(options: PostgresSourceOptions): Promise<Source> {
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
  const fetch = (): Promise<pg.QueryArrayResult> => client.query({ text: `FETCH FORWARD ${fetchRows} FROM ${CURSOR}`, rowMode: 'array' });

  let first: pg.QueryArrayResult;
  let columns: CsvColumn[];
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${statement}`);
    first = await fetch();
  } catch (error) {
    await close();
    const what = options.table === undefined ? 'the query failed' : `cannot read table ${quoteTable(options.table)}`;
    return fail(`${what} at ${location.where}: ${serverMessage(error, location.secrets)}`);
  }
  const names = first.fields.map((field) => field.name);
  try {
    columns = mapColumns(names, rules);
  } catch (error) {
    await close();
    if (error instanceof ColumnError) return fail(`${location.label}: ${error.message}`);
    throw error;
  }

  let row = 0;
  const itemsOf = (result: pg.QueryArrayResult): SourceItem[] =>
    result.rows.map((values) => {
      row += 1;
      const bytes = rowBytes(names, values);
      bytesRead += bytes.length;
      return new PostgresRow(row, bytes, values, columns);
    });

  async function* batches(): AsyncGenerator<readonly SourceItem[], void, undefined> {
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
  return { format: 'postgresql', batches: read, records: records(), bytesRead: () => bytesRead, close };
}
