import { describeBytes } from './limits.js';
import { splitLines } from './lines.js';
import type { SourceRecord } from './types.js';

const NOT_JSON = 'not valid JSON';
const NOT_UTF8 = 'not valid UTF-8';

/**
 * One record per non-blank line (DESIGN §6). Lines are numbered from 1 and blank lines (empty or whitespace only)
 * are skipped but still counted; `\r\n` endings are accepted; the input's BOM was left out by `Input.chunks`.
 * A line over `maxLineBytes` is reported and skipped, never buffered whole.
 */
export async function* ndjsonRecords(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<SourceRecord> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  for await (const entry of splitLines(chunks, maxLineBytes)) {
    const { line } = entry;
    if (entry.tooLong) {
      yield { line, error: `line is longer than ${describeBytes(maxLineBytes)}; skipped` };
      continue;
    }
    let raw: string;
    try {
      raw = decoder.decode(entry.bytes);
    } catch {
      yield { line, error: NOT_UTF8 };
      continue;
    }
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      // JSON.parse's message quotes the offending text: it is personal data, so it is not passed on.
      yield { line, error: NOT_JSON };
      continue;
    }
    yield { line, value, raw };
  }
}
