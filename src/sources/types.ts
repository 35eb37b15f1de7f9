import type { CustomerModel } from '../model/customer.js';
/** The input formats of the sync job (DESIGN §6). */
export const SOURCE_FORMATS = ['ndjson', 'csv', 'json'] as const;

export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/** What a source reads: a file format, or a PostgreSQL query's rows (never a `--format`: the URL says it). */
export type SourceKind = SourceFormat | 'postgresql';

/**
 * One record read from the input, in input order: either a parsed but NOT validated value, or a parse problem.
 *
 * `line` locates the record for the report: in NDJSON and CSV the 1-based line where it starts; in a JSON array the
 * element's 1-based index in the array (a JSON document has no meaningful lines, and the index is what a user can
 * find with `jq '.[N-1]'`).
 *
 * `error` never holds any of the input's content: it is personal data.
 */
export type SourceRecord =
  | {
      line: number;
      value: unknown;
      /**
       * The record's text as read, when the text alone decides the value (NDJSON: the line, without its line
       * ending or BOM). The sync job does not need it: it hashes an `UnparsedLine`'s bytes before any parsing.
       */
      raw?: string;
      error?: never;
    }
  | { line: number; error: string; raw?: string; value?: never };

/**
 * An NDJSON line not parsed yet. Parsing is most of the cost of reading, and the sync job skips a line that is byte
 * for byte the one every provider confirmed last time: it hashes `bytes` first and parses only the lines it must.
 */
export interface UnparsedLine {
  readonly line: number;
  /** The line as read, without its line ending or BOM. */
  readonly bytes: Buffer;
  /** The record the line holds, or `undefined` for a line of only whitespace (skipped, as a blank line is). */
  parse(): SourceRecord | undefined;
}

/** What a batch holds: records read already, or lines whose parsing is left to the consumer. */
export type SourceItem = SourceRecord | UnparsedLine;

export function isUnparsed(item: SourceItem): item is UnparsedLine {
  return 'bytes' in item;
}

export interface Source {
  readonly format: SourceKind;
  /**
   * The records, streamed. Iterate once, this or `batches`. Reading stops while the consumer does not ask for the
   * next record.
   */
  readonly records: AsyncIterable<SourceRecord>;
  /** The same records, in input order, grouped as they were read; NDJSON lines come unparsed. */
  readonly batches: AsyncIterable<readonly SourceItem[]>;
  /**
   * Bytes of the input handed to the parser so far, for a progress display: it moves a chunk (up to 64 KiB) at a time,
   * slightly ahead of the records handed out.
   */
  bytesRead(): number;
  /** The input's size in bytes when it is a regular file (a BOM included); `undefined` for standard input or a pipe. */
  readonly size?: number | undefined;
  /** Stops reading (e.g. on SIGINT) and releases the file or stream; the records then end. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenSourceOptions {
  /** A file path, `-` for standard input, or a `postgresql://` URL (`${VAR}`s in it taken from `env`). */
  input: string;
  /** With a `postgresql://` input: the SQL whose rows are the records (one SELECT, VALUES or TABLE statement). */
  query?: string | undefined;
  /** With a `postgresql://` input: the table (`name` or `schema.name`) whose rows are the records. */
  table?: string | undefined;
  /** `${VAR}`s of a `postgresql://` input and the libpq `PG*` variables. @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  /** @default from the file's extension (`.ndjson`/`.jsonl`, `.csv`, `.json`); `ndjson` for standard input */
  format?: SourceFormat | undefined;
  /**
   * The model records are checked against: a CSV header may name its fields (`providerIds.<id>` of each provider it
   * knows, a provider of the user's own included). @default the built-in providers' model
   */
  model?: CustomerModel | undefined;
  /** Read instead of `process.stdin` when `input` is `-`. The source owns it: `close()` destroys it. */
  stdin?: NodeJS.ReadableStream | undefined;
  /**
   * Largest record kept in memory: an NDJSON line, a CSV record or a JSON array element. A longer NDJSON line is an
   * error record and reading goes on; a CSV record or JSON element this long stops reading (its end cannot be found
   * reliably), with an error record.
   * @default 32 MiB
   */
  maxRecordBytes?: number | undefined;
}
