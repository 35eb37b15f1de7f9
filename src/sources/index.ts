import type { csvRecords as readCsv } from './csv.js';
import { openInput, resolveFormat, type Input } from './input.js';
import type { jsonArrayRecords as readJsonArray } from './json-array.js';
import { DEFAULT_MAX_RECORD_BYTES } from './limits.js';
import { ndjsonBatches, NDJSON_READ_BYTES } from './ndjson.js';
import type { CustomerModel } from '../model/customer.js';
import { headerRulesFor } from './csv-header.js';
import { SourceError } from './errors.js';
import { isPostgresInput, resolvePostgresLocation } from './postgres-url.js';
import { isUnparsed, type OpenSourceOptions, type Source, type SourceFormat, type SourceItem, type SourceRecord } from './types.js';

export { SourceError } from './errors.js';
export { isPostgresInput } from './postgres-url.js';
export { isUnparsed, SOURCE_FORMATS, type OpenSourceOptions, type Source, type SourceFormat, type SourceKind, type SourceItem, type SourceRecord, type UnparsedLine } from './types.js';

/** CSV and JSON records one at a time (each is parsed as it is read); NDJSON lines grouped as read, unparsed. */
function batchesOf(format: SourceFormat, input: Input, maxRecordBytes: number, model: CustomerModel | undefined): AsyncGenerator<readonly SourceItem[]> {
  switch (format) {
    case 'ndjson':
      return ndjsonBatches(input.chunks(), maxRecordBytes);
    case 'csv':
      return singles(csvRecords(input, maxRecordBytes, model === undefined ? undefined : headerRulesFor(model)));
    case 'json':
      return singles(jsonArrayRecords(input, maxRecordBytes));
  }
}

// The CSV and JSON parsers load with their first record: a nightly NDJSON run (and every command that reads no input)
// does without csv-parse and @streamparser/json, ~65 ms of CPU at start-up.
async function* csvRecords(...args: Parameters<typeof readCsv>): AsyncGenerator<SourceRecord> {
  const { csvRecords: records } = await import('./csv.js');
  yield* records(...args);
}

async function* jsonArrayRecords(...args: Parameters<typeof readJsonArray>): AsyncGenerator<SourceRecord> {
  const { jsonArrayRecords: records } = await import('./json-array.js');
  yield* records(...args);
}

/** Records as batches of one, for a consumer of batches given records. */
export async function* singles(records: AsyncIterable<SourceRecord>): AsyncGenerator<readonly SourceItem[]> {
  for await (const record of records) yield [record];
}

/**
 * The batches, the first one possibly read already; none once the source is closed. The guard matters: closing ends
 * the byte stream early, and a parser then flushes what it holds, which could be a row cut short.
 */
async function* deliver(
  first: IteratorResult<readonly SourceItem[], void> | undefined,
  rest: AsyncGenerator<readonly SourceItem[]>,
  input: Input,
): AsyncGenerator<readonly SourceItem[], void, undefined> {
  if (first !== undefined) {
    if (first.done === true || input.isClosed()) return;
    yield first.value;
  }
  for await (const batch of rest) {
    if (input.isClosed()) return;
    yield batch;
  }
}

/** The records of `batches`, one at a time, NDJSON lines parsed; none once the source is closed. */
async function* flatten(batches: AsyncIterable<readonly SourceItem[]>, input: Input): AsyncGenerator<SourceRecord, void, undefined> {
  for await (const batch of batches) {
    for (const item of batch) {
      if (input.isClosed()) return;
      const record = isUnparsed(item) ? item.parse() : item;
      if (record !== undefined) yield record;
    }
  }
}

/**
 * Opens the sync job's input (DESIGN §6): a file, or standard input for `-`, as NDJSON, CSV or a JSON array.
 *
 * Throws a SourceError, naming the file or column and never its data, for what stops the run before anything is
 * sent: a missing or unreadable file, an unknown format, a CSV header problem, a JSON input that is not an array. To
 * find the last two, a CSV or JSON input is read up to its first record before this resolves.
 *
 * Records are read as they are asked for, so memory stays bounded whatever the input's size. A read failure midway
 * throws a SourceError from the iteration.
 */
export async function openSource(options: OpenSourceOptions): Promise<Source> {
  const env = options.env ?? process.env;
  if (isPostgresInput(options.input, env)) return openPostgres(options, env);
  if (options.query !== undefined || options.table !== undefined) {
    throw new SourceError(options.input, `--${options.query !== undefined ? 'query' : 'table'} applies only to a postgresql:// input, not to a file`);
  }
  const format = resolveFormat(options.input, options.format);
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  // CSV and JSON parse every record as they read it: the reads are no share of their cost worth a larger buffer.
  const input = await openInput(options.input, options.stdin, format === 'ndjson' ? NDJSON_READ_BYTES : undefined);
  const read = batchesOf(format, input, maxRecordBytes, options.model);
  let first: IteratorResult<readonly SourceItem[], void> | undefined;
  if (format !== 'ndjson') {
    try {
      first = await read.next();
    } catch (error) {
      await input.close();
      throw error;
    }
  }
  const batches = deliver(first, read, input);
  return { format, batches, records: flatten(batches, input), bytesRead: () => input.bytesRead(), size: input.size, close: () => input.close() };
}

/** A PostgreSQL query's or table's rows; `pg` loads only here. */
async function openPostgres(options: OpenSourceOptions, env: NodeJS.ProcessEnv): Promise<Source> {
  const location = resolvePostgresLocation(options.input, env);
  if (options.format !== undefined) throw new SourceError(location.label, '--format does not apply to a postgresql:// input');
  if ((options.query === undefined) === (options.table === undefined)) {
    throw new SourceError(location.label, `a postgresql:// input needs ${options.query === undefined ? 'either' : 'only one of'} --query "SELECT …" or --table NAME`);
  }
  const { openPostgresSource } = await import('./postgres.js');
  return openPostgresSource({ location, query: options.query, table: options.table, model: options.model });
}
