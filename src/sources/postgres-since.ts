import { SourceError } from './errors.js';
import { openPostgresSource, type PostgresSource, type WatermarkReader } from './postgres.js';
import { sourceHash } from './postgres-statement.js';
import { isPostgresInput, resolvePostgresLocation, watermarkInput } from './postgres-url.js';
import type { OpenSourceOptions } from './types.js';

/** A `--since-last-run` source: its rows, the reader of its watermark column, and the watermark's key. */
export interface SinceLastRunSource {
  source: PostgresSource;
  reader: WatermarkReader;
  /** Input without credentials, sha256 of the query or quoted table, column: see `WatermarkKey` (src/state/store.ts). */
  key: { input: string; source: string; column: string };
}

/**
 * Opens the input of `sync --since-last-run COLUMN`: only a `postgresql://` one, with `--query` or `--table`, read in
 * the column's order from a bound given to `reader.start`. Throws a SourceError (exit 2, nothing read or sent) for
 * any other input, an empty column name, or what `openPostgresSource` refuses, the column unknown to the result
 * among them; none names a password.
 */
export async function openSinceLastRun(options: OpenSourceOptions & { column: string }): Promise<SinceLastRunSource> {
  const env = options.env ?? process.env;
  if (!isPostgresInput(options.input, env)) {
    const input = options.input === '-' ? 'standard input' : options.input;
    throw new SourceError(input, `--since-last-run applies only to a postgresql:// input (the rows changed since the last run, by a column of theirs), not to ${input === 'standard input' ? input : 'a file'}`);
  }
  const location = resolvePostgresLocation(options.input, env);
  if (options.format !== undefined) throw new SourceError(location.label, '--format does not apply to a postgresql:// input');
  if ((options.query === undefined) === (options.table === undefined)) {
    throw new SourceError(location.label, `a postgresql:// input needs ${options.query === undefined ? 'either' : 'only one of'} --query "SELECT …" or --table NAME`);
  }
  if (options.column.trim() === '') throw new SourceError(location.label, '--since-last-run needs a column name');
  let source: string;
  try {
    source = sourceHash(options);
  } catch (error) {
    throw new SourceError(location.label, (error as Error).message);
  }
  const opened = await openPostgresSource({ location, query: options.query, table: options.table, model: options.model, watermarkColumn: options.column });
  const reader = opened.watermark;
  if (reader === undefined) throw new Error('a source opened with a watermark column has a watermark reader');
  return { source: opened, reader, key: { input: watermarkInput(location), source, column: options.column } };
}
