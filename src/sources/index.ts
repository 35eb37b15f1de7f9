import { csvRecords } from './csv.js';
import { openInput, resolveFormat, type Input } from './input.js';
import { jsonArrayRecords } from './json-array.js';
import { DEFAULT_MAX_RECORD_BYTES } from './limits.js';
import { ndjsonRecords } from './ndjson.js';
import type { OpenSourceOptions, Source, SourceFormat, SourceRecord } from './types.js';

export { SourceError } from './errors.js';
export { SOURCE_FORMATS, type OpenSourceOptions, type Source, type SourceFormat, type SourceRecord } from './types.js';

function recordsOf(format: SourceFormat, input: Input, maxRecordBytes: number): AsyncGenerator<SourceRecord> {
  switch (format) {
    case 'ndjson':
      return ndjsonRecords(input.chunks(), maxRecordBytes);
    case 'csv':
      return csvRecords(input, maxRecordBytes);
    case 'json':
      return jsonArrayRecords(input, maxRecordBytes);
  }
}

/**
 * The records, the first one possibly read already; none once the source is closed. The guard matters: closing ends
 * the byte stream early, and a parser then flushes what it holds, which could be a row cut short.
 */
async function* deliver(
  first: IteratorResult<SourceRecord, void> | undefined,
  rest: AsyncGenerator<SourceRecord>,
  input: Input,
): AsyncGenerator<SourceRecord, void, undefined> {
  if (first !== undefined) {
    if (first.done === true || input.isClosed()) return;
    yield first.value;
  }
  for await (const record of rest) {
    if (input.isClosed()) return;
    yield record;
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
  const format = resolveFormat(options.input, options.format);
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const input = await openInput(options.input, options.stdin);
  const records = recordsOf(format, input, maxRecordBytes);
  let first: IteratorResult<SourceRecord, void> | undefined;
  if (format !== 'ndjson') {
    try {
      first = await records.next();
    } catch (error) {
      await input.close();
      throw error;
    }
  }
  return { format, records: deliver(first, records, input), close: () => input.close() };
}
