/**
 * The nightly scenario's hardware baseline: what reading a file, splitting it into lines and hashing each line
 * (one sha256 per line, as the raw-line skip must) costs this machine with nothing else in the way. A no-change
 * night can hardly beat it; its figure is the CLI's scan rate as a share of this one, measured in the same run.
 */
import { hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const NEWLINE = 0x0a;
/** Large reads: fewer turns of the stream, so the baseline is the split and the hashes, not the plumbing. */
const CHUNK_BYTES = 1 << 20;

/** Streams `path`, splits it on `\n` and hashes every non-empty line; resolves with the line count and the time. */
export async function readSplitHash(path: string): Promise<{ lines: number; seconds: number }> {
  const started = performance.now();
  let lines = 0;
  let rest: Buffer | undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    const buffer = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE, start); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      if (end > start) {
        hash('sha256', buffer.subarray(start, end), 'base64url');
        lines += 1;
      }
      start = end + 1;
    }
    rest = start < buffer.length ? buffer.subarray(start) : undefined;
  }
  if (rest !== undefined) {
    hash('sha256', rest, 'base64url');
    lines += 1;
  }
  return { lines, seconds: (performance.now() - started) / 1000 };
}
