const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** One line of the input, by its 1-based number: its bytes without the line ending, or `tooLong` when over the cap. */
export type Line = { line: number; bytes: Buffer; tooLong?: never } | { line: number; tooLong: true; bytes?: never };

/**
 * Splits a byte stream into lines at `\n` (a `\r` before it is dropped), in bounded memory, yielding the lines that
 * end in each chunk together: one array per chunk instead of one await per line, which on a million-line input is
 * a large share of the cost of reading. A line longer than `maxBytes` is not kept, it comes out as `tooLong` once
 * its end is reached. `\n` never occurs inside a multi-byte UTF-8 sequence, so splitting bytes before decoding is
 * safe.
 */
export async function* splitLineBatches(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Line[]> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = 1;

  const take = (last: Buffer): Line => {
    const out: Line = tooLong ? { line, tooLong } : { line, bytes: withoutCarriageReturn(join(parts, last, size)) };
    parts = [];
    size = 0;
    tooLong = false;
    line++;
    return out;
  };

  for await (const chunk of chunks) {
    const lines: Line[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, end);
      start = end + 1;
      tooLong ||= size + piece.length > maxBytes;
      lines.push(take(piece));
    }
    if (lines.length > 0) yield lines;
    const rest = chunk.subarray(start);
    if (rest.length === 0) continue;
    size += rest.length;
    if (size > maxBytes) {
      tooLong = true;
      parts = [];
    } else {
      parts.push(rest);
    }
  }
  if (size > 0 || tooLong) yield [take(Buffer.alloc(0))];
}

function join(parts: readonly Buffer[], last: Buffer, size: number): Buffer {
  return parts.length === 0 ? last : Buffer.concat([...parts, last], size + last.length);
}

function withoutCarriageReturn(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.subarray(0, -1) : bytes;
}
