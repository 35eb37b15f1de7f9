import { describeBytes } from './limits.js';
import { splitLineBatches } from './lines.js';
import { type SourceItem, type SourceRecord, type UnparsedLine } from './types.js';

/**
 * An NDJSON file is read 1 MiB at a time (handed on in 64 KiB chunks all the same, see `openInput`): a no-change night
 * only splits and hashes, and with 64 KiB reads a 1,000,000-line night waited for 3,000 reads, ~14 % of its scan.
 */
export const NDJSON_READ_BYTES = 1 << 20;

const NOT_JSON = 'not valid JSON';
const NOT_UTF8 = 'not valid UTF-8';

const SPACE = 0x20;
const TAB = 0x09;
const CARRIAGE_RETURN = 0x0d;
const VERTICAL_TAB = 0x0b;
const FORM_FEED = 0x0c;

/**
 * One record per non-blank line (DESIGN §6), grouped as read. Lines are numbered from 1 and blank lines (empty or
 * whitespace only) are skipped but still counted; `\r\n` endings are accepted; the input's BOM was left out by
 * `Input.chunks`. A line over `maxLineBytes` is reported and skipped, never buffered whole.
 */
export async function* ndjsonBatches(chunks: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<SourceItem[]> {
  const tooLong = `line is longer than ${describeBytes(maxLineBytes)}; skipped`;
  for await (const lines of splitLineBatches(chunks, maxLineBytes)) {
    const items: SourceItem[] = [];
    for (const entry of lines) {
      if (entry.tooLong) items.push({ line: entry.line, error: tooLong });
      else if (!isAsciiBlank(entry.bytes)) items.push(new NdjsonLine(entry.line, entry.bytes));
    }
    if (items.length > 0) yield items;
  }
}

// One decoder for every line: `fatal` makes it throw on bad UTF-8 instead of inventing U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class NdjsonLine implements UnparsedLine {
  constructor(
    readonly line: number,
    readonly bytes: Buffer,
  ) {}

  parse(): SourceRecord | undefined {
    const { line } = this;
    let raw: string;
    try {
      raw = decoder.decode(this.bytes);
    } catch {
      return { line, error: NOT_UTF8 };
    }
    // Blank by a wider definition than ASCII (e.g. a no-break space alone): still a blank line.
    if (raw.trim() === '') return undefined;
    try {
      return { line, value: JSON.parse(raw) as unknown, raw };
    } catch {
      // JSON.parse's message quotes the offending text: it is personal data, so it is not passed on.
      return { line, error: NOT_JSON };
    }
  }
}

/** Only ASCII whitespace (or nothing): told without decoding, which almost every line ends at its first byte. */
function isAsciiBlank(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte !== SPACE && byte !== TAB && byte !== CARRIAGE_RETURN && byte !== VERTICAL_TAB && byte !== FORM_FEED) return false;
  }
  return true;
}
