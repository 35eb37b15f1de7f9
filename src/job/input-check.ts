import { CustomerSyncError } from '../errors/customer-sync-error.js';
import type { SourceFormat, SourceRecord } from '../sources/types.js';

/**
 * Records read from the start of an input before it is judged to be in another format than it was read as: when
 * none of the first this many parses into a record, the run stops before anything is sent (DESIGN §6, exit 2).
 */
export const WRONG_FORMAT_RECORDS = 20;

/** What the first line of an input looks like, when it looks like something else than what it was read as. */
export type LikelyFormat = SourceFormat | 'binary';

/**
 * The input cannot be synced as a whole: it holds no record (`empty`), or its first `WRONG_FORMAT_RECORDS` records
 * all failed to parse (`unparsable`: most likely another format than it was read as; so does a shorter input none of
 * whose records parsed, when its first line looks like another format). Thrown by `runSync` before anything is
 * sent. The message never quotes the input: it is personal data.
 */
export class UnusableInputError extends CustomerSyncError {
  override name = 'UnusableInputError' as const;

  constructor(
    readonly reason: 'empty' | 'unparsable',
    message: string,
    /** `unparsable`: why the records failed (the sources' own words, which never quote the data), each once. */
    readonly problems: readonly string[] = [],
    /** `unparsable`: the format the first line looks like, when it can be told. */
    readonly likelyFormat?: LikelyFormat | undefined,
    /** `unparsable`: the records read, none of which parsed. */
    readonly records = 0,
    /** `unparsable`: the input ended after `records` (else it was judged by its first `records`). */
    readonly wholeInput = false,
  ) {
    super('invalid', message);
  }

  override toJSON(): Record<string, unknown> {
    const { reason, problems, likelyFormat, records, wholeInput } = this;
    return { ...super.toJSON(), reason, problems, likelyFormat, records, wholeInput };
  }
}

/** What a record that is no JSON object at all is reported as. */
const NOT_A_RECORD = 'not a JSON object';

/** Bytes of the first line kept to tell its format: a header or an opening is far shorter. */
const SNIFF_BYTES = 4096;

/**
 * Watches the records at the start of an input until one parses into an object: if `WRONG_FORMAT_RECORDS` come
 * first that do not, `see` throws an `UnusableInputError`. Nothing is delivered before a record parses, so when it
 * throws nothing was sent.
 */
export class FormatProbe {
  #unparsable = 0;
  /** Whether every record so far failed to parse at all (rather than parsing into something else than an object). */
  #onlyErrors = true;
  #done = false;
  #firstLine: Buffer | undefined;
  /** Whether a line read so far is not text (not UTF-8, or control characters): what the format looks like then. */
  #binary = false;
  readonly #problems = new Set<string>();

  /** A record that parsed: the input is in the format it was read as (whatever its validation says). */
  parsed(): void {
    this.#done = true;
    this.#firstLine = undefined;
  }

  /**
   * One record read, in input order, with its raw text when the source keeps it (an NDJSON line): the first record's
   * is what the format is told from. Throws once the first `WRONG_FORMAT_RECORDS` all failed to parse.
   */
  see(record: SourceRecord, raw?: Buffer | string): void {
    if (this.#done) return;
    if (raw !== undefined) {
      const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
      const start = Buffer.from(bytes.subarray(0, SNIFF_BYTES));
      if (this.#unparsable === 0) this.#firstLine = start;
      if (!this.#binary && likelyFormat(start) === 'binary') this.#binary = true;
    }
    const problem = record.error ?? (isObject(record.value) ? undefined : NOT_A_RECORD);
    if (problem === undefined) {
      this.parsed();
      return;
    }
    this.#problems.add(problem);
    this.#unparsable += 1;
    if (record.error === undefined) this.#onlyErrors = false;
    if (this.#unparsable >= WRONG_FORMAT_RECORDS) throw this.#error(false);
  }

  /**
   * The input ended. Fewer than `WRONG_FORMAT_RECORDS` records, every one of which failed to parse, in an input whose
   * first line looks like another format than NDJSON (the only source that keeps its lines: a short CSV input read as
   * NDJSON, a pretty-printed JSON array, a binary file) are judged as the first `WRONG_FORMAT_RECORDS` would be:
   * throws. A short input of JSON values that are not objects (`[]`, `42`) is left to validation to report.
   */
  end(): void {
    if (this.#done || this.#unparsable === 0 || !this.#onlyErrors || this.#firstLine === undefined) return;
    const likely = this.#likely();
    if (likely !== undefined && likely !== 'ndjson') throw this.#error(true);
  }

  /** Binary when any line read is; else what the first line looks like. */
  #likely(): LikelyFormat | undefined {
    if (this.#binary) return 'binary';
    return this.#firstLine === undefined ? undefined : likelyFormat(this.#firstLine);
  }

  #error(wholeInput: boolean): UnusableInputError {
    this.#done = true;
    const likely = this.#likely();
    this.#firstLine = undefined;
    const problems = [...this.#problems];
    const records = this.#unparsable;
    const which = wholeInput ? `none of the input's ${records} records could be parsed` : `the input's first ${records} records could not be parsed`;
    const looks = likely === undefined ? '' : `; its first line looks like ${describeLikely(likely)}`;
    return new UnusableInputError('unparsable', `${which} (${problems.join('; ')})${looks}: nothing was sent`, problems, likely, records, wholeInput);
  }
}

/** How a message names what the first line looks like. */
export function describeLikely(format: LikelyFormat): string {
  switch (format) {
    case 'csv':
      return 'CSV (commas and no "{")';
    case 'json':
      return 'a JSON array (it starts with "[")';
    case 'ndjson':
      return 'NDJSON (it starts with "{")';
    case 'binary':
      return 'binary data, not text';
  }
}

/**
 * The format a first line most likely is in, told from its bytes alone: binary (not UTF-8, or control characters),
 * a JSON array (`[`), NDJSON (`{` and a `}` on the same line), CSV (commas and no `{`); else `undefined`.
 */
export function likelyFormat(line: Buffer): LikelyFormat | undefined {
  let text: string;
  try {
    // A line cut at SNIFF_BYTES may end inside a character: only that last one may be incomplete.
    text = new TextDecoder('utf-8', { fatal: true }).decode(line.length < SNIFF_BYTES ? line : cutToCharacter(line));
  } catch {
    return 'binary';
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return 'binary';
  const trimmed = text.replace(/^\ufeff/, '').trim();
  if (trimmed.startsWith('[')) return 'json';
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) return 'ndjson';
  if (trimmed.includes(',') && !trimmed.includes('{')) return 'csv';
  return undefined;
}

/** The bytes up to the last whole UTF-8 character. */
function cutToCharacter(bytes: Buffer): Buffer {
  let end = bytes.length;
  // Step back over continuation bytes (10xxxxxx) to the start of the last character, then drop it if cut short.
  let start = end - 1;
  while (start > 0 && start > end - 4 && (bytes[start]! & 0xc0) === 0x80) start -= 1;
  const lead = bytes[start]!;
  const size = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (start + size > end) end = start;
  return bytes.subarray(0, end);
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
