import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openSource } from '../../src/sources/index.js';
import { isOpen, tempDir } from './helpers.js';

const file = tempDir();

/** A realistic NDJSON line of about 600 bytes. */
function line(n: number): string {
  return JSON.stringify({
    id: `cus-${n}`,
    email: `person.${n}@example.com`,
    firstName: 'Joana',
    lastName: 'Silva',
    phone: '+351912345678',
    country: 'PT',
    address: { street: 'Rua Augusta', number: String(n % 500), city: 'Lisboa', postalCode: '1100-053' },
    vatNumber: `PT${100000000 + n}`,
    locale: 'pt-PT',
    notes: 'n'.repeat(240),
    updatedAt: '2026-10-01T12:00:00.000Z',
    providerIds: { fatora: n + 1 },
  });
}

async function writeLines(path: string, count: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  for (let n = 1; n <= count; n++) {
    const text = `${line(n)}\n`;
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return bytes;
}

describe('streaming', () => {
  it('streams a 200k-line NDJSON file in memory well below its size', async () => {
    const path = file('big.ndjson');
    const size = await writeLines(path, 200_000);
    expect(size).toBeGreaterThan(100 * 1024 * 1024);

    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let count = 0;
    let lastLine = 0;
    const source = await openSource({ input: path });
    for await (const record of source.records) {
      count++;
      lastLine = record.line;
      if (count % 1000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    await source.close();

    expect(count).toBe(200_000);
    expect(lastLine).toBe(200_000);
    // Coarse: the heap may hold some garbage between collections, never the file.
    expect(peak - baseline).toBeLessThan(size / 4);
  });

  it('streams a large JSON array element by element, in memory well below its size', async () => {
    const path = file('big.json');
    const out = createWriteStream(path);
    let size = 0;
    for (let n = 1; n <= 100_000; n++) {
      const text = `${n === 1 ? '[\n' : ',\n'}${line(n)}`;
      size += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, 'drain');
    }
    out.end('\n]\n');
    await once(out, 'close');

    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let count = 0;
    const source = await openSource({ input: path });
    for await (const record of source.records) {
      count++;
      expect(record.line).toBe(count);
      if (count % 1000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    await source.close();
    expect(count).toBe(100_000);
    // Coarser than for NDJSON: the streaming parser makes more short-lived garbage per byte.
    expect(peak - baseline).toBeLessThan(size / 2);
  });

  it('stops reading while the consumer does not ask for records (backpressure)', async () => {
    const stdin = new PassThrough();
    const source = await openSource({ input: '-', stdin });
    const text = `${line(1)}\n`;
    let written = 0;
    while (written < 4 * 1024 * 1024) {
      stdin.write(text);
      written += Buffer.byteLength(text);
    }
    const records = source.records[Symbol.asyncIterator]();
    expect((await records.next()).value).toMatchObject({ line: 1 });
    // The consumer now pauses: however long the event loop runs, the source reads no further.
    for (let round = 0; round < 50; round++) await tick();
    const consumed = written - (stdin.readableLength + stdin.writableLength);
    expect(consumed).toBeLessThan(256 * 1024);
    await source.close();
  });

  it('close() stops the records early and releases the file', async () => {
    const path = file('close.ndjson');
    await writeLines(path, 20_000);
    const source = await openSource({ input: path });
    expect(await isOpen(path)).toBe(true);
    const lines: number[] = [];
    for await (const record of source.records) {
      lines.push(record.line);
      if (lines.length === 3) await source.close();
    }
    expect(lines).toEqual([1, 2, 3]);
    expect(await isOpen(path)).toBe(false);
    await source.close();
  });

  it('close() while a read is pending ends the records, without the row cut short', async () => {
    const stdin = new PassThrough();
    stdin.write('id,email\nc1,a@example.com\nc2,b@exa');
    const source = await openSource({ input: '-', format: 'csv', stdin });
    const records = source.records[Symbol.asyncIterator]();
    expect((await records.next()).value).toEqual({ line: 2, value: { id: 'c1', email: 'a@example.com' } });
    const pending = records.next();
    await tick();
    await source.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(stdin.destroyed).toBe(true);
  });

  it('breaking out of the loop, then close(), releases the file', async () => {
    const path = file('break.csv', 'id,email\nc1,a@example.com\nc2,b@example.com\n');
    const source = await openSource({ input: path });
    for await (const record of source.records) {
      expect(record.line).toBe(2);
      break;
    }
    await source.close();
    expect(await isOpen(path)).toBe(false);
  });

  it('close() before reading anything releases the file', async () => {
    const path = file('unread.json', '[{"id":"c1"},{"id":"c2"}]');
    const source = await openSource({ input: path });
    await source.close();
    expect(await isOpen(path)).toBe(false);
    const records = [];
    for await (const record of source.records) records.push(record);
    expect(records).toEqual([]);
  });
});
