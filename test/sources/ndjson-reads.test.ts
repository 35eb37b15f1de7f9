import { describe, expect, it } from 'vitest';
import { isUnparsed, openSource } from '../../src/sources/index.js';
import { openInput } from '../../src/sources/input.js';
import { NDJSON_READ_BYTES } from '../../src/sources/ndjson.js';
import { tempDir } from './helpers.js';

const file = tempDir();
const HAND_ON = 64 * 1024;

// Lines of many lengths (some over 64 KiB), so line ends fall everywhere against 64 KiB and 1 MiB boundaries.
const lines = Array.from({ length: 4_000 }, (_, i) => JSON.stringify({ id: `c${i}`, pad: 'x'.repeat(i % 500 === 7 ? 70_000 + i : (i * 37) % 1_500) }));
const text = `\ufeff${lines.join('\n')}\n`;
const size = Buffer.byteLength(text);

describe('NDJSON file reads', () => {
  it('a file read 1 MiB at a time is handed on in chunks of at most 64 KiB, counted as they are handed on', async () => {
    expect(size).toBeGreaterThan(3 * NDJSON_READ_BYTES);
    const input = await openInput(file('chunks.ndjson', text), undefined, NDJSON_READ_BYTES);
    const chunks: Buffer[] = [];
    const counted: number[] = [];
    for await (const chunk of input.chunks()) {
      chunks.push(chunk);
      counted.push(input.bytesRead());
    }
    await input.close();
    expect(chunks.filter((chunk) => chunk.length > HAND_ON || chunk.length === 0)).toEqual([]);
    expect(Buffer.concat(chunks).toString()).toBe(text.slice(1));
    // The BOM is read (and counted) with the first chunk, then left out of it.
    expect(counted).toEqual(chunks.map((_, i) => 3 + chunks.slice(0, i + 1).reduce((sum, chunk) => sum + chunk.length, 0)));
    expect(input.bytesRead()).toBe(size);
  });

  it('gives every line of a large file whole and in order, with its number', async () => {
    const source = await openSource({ input: file('large.ndjson', text), maxRecordBytes: 1024 * 1024 });
    const seen: Array<[number, string]> = [];
    for await (const batch of source.batches) for (const item of batch) if (isUnparsed(item)) seen.push([item.line, item.bytes.toString()]);
    await source.close();
    expect(seen).toEqual(lines.map((line, i) => [i + 1, line]));
    expect(source.bytesRead()).toBe(size);
  });
});
