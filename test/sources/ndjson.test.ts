import { describe, expect, it } from 'vitest';
import { isUnparsed, openSource } from '../../src/sources/index.js';
import { readAll, stdinOf, tempDir } from './helpers.js';

const file = tempDir();

describe('NDJSON source', () => {
  it('gives its lines unparsed through batches: bytes as read, blank lines left out, parse() on demand', async () => {
    const path = file('batches.ndjson', '{"id":"c1"}\r\n\n  \n{oops\n{"id":"c2"}');
    const source = await openSource({ input: path });
    const items = [];
    for await (const batch of source.batches) items.push(...batch);
    await source.close();
    expect(items.map((item) => (isUnparsed(item) ? [item.line, item.bytes.toString()] : item))).toEqual([
      [1, '{"id":"c1"}'],
      [4, '{oops'],
      [5, '{"id":"c2"}'],
    ]);
    expect(items.map((item) => (isUnparsed(item) ? item.parse() : item))).toEqual([
      { line: 1, value: { id: 'c1' }, raw: '{"id":"c1"}' },
      { line: 4, error: 'not valid JSON' },
      { line: 5, value: { id: 'c2' }, raw: '{"id":"c2"}' },
    ]);
  });

  it('reads one record per line with 1-based line numbers and the line text as raw', async () => {
    const path = file('a.ndjson', '{"id":"c1","email":"a@example.com"}\n{"id":"c2"}\n');
    expect(await readAll({ input: path })).toEqual([
      { line: 1, value: { id: 'c1', email: 'a@example.com' }, raw: '{"id":"c1","email":"a@example.com"}' },
      { line: 2, value: { id: 'c2' }, raw: '{"id":"c2"}' },
    ]);
  });

  it('skips blank and whitespace-only lines but still counts them', async () => {
    const path = file('blank.jsonl', '\n{"id":"c1"}\n\n   \t\n{"id":"c2"}\n\n');
    expect(await readAll({ input: path })).toEqual([
      { line: 2, value: { id: 'c1' }, raw: '{"id":"c1"}' },
      { line: 5, value: { id: 'c2' }, raw: '{"id":"c2"}' },
    ]);
  });

  it('strips a UTF-8 BOM on line 1, handles \\r\\n, and reads a last line without a line ending', async () => {
    const path = file('crlf.ndjson', '\uFEFF{"id":"c1"}\r\n\r\n{"id":"ç2"}');
    expect(await readAll({ input: path })).toEqual([
      { line: 1, value: { id: 'c1' }, raw: '{"id":"c1"}' },
      { line: 3, value: { id: 'ç2' }, raw: '{"id":"ç2"}' },
    ]);
  });

  it('reports a line that is not JSON without its content, and goes on', async () => {
    const path = file('bad.ndjson', '{"id":"c1"}\n{"id":"secret-person",\n{"id":"c3"}\n');
    const records = await readAll({ input: path });
    expect(records).toEqual([
      { line: 1, value: { id: 'c1' }, raw: '{"id":"c1"}' },
      { line: 2, error: 'not valid JSON' },
      { line: 3, value: { id: 'c3' }, raw: '{"id":"c3"}' },
    ]);
    expect(JSON.stringify(records)).not.toContain('secret-person');
  });

  it('passes any JSON value through unvalidated: validation is the caller’s', async () => {
    const path = file('values.ndjson', '42\n[1]\nnull\n{"unknown":true}\n');
    expect(await readAll({ input: path })).toEqual([
      { line: 1, value: 42, raw: '42' },
      { line: 2, value: [1], raw: '[1]' },
      { line: 3, value: null, raw: 'null' },
      { line: 4, value: { unknown: true }, raw: '{"unknown":true}' },
    ]);
  });

  it('reports a line that is not UTF-8', async () => {
    const latin1 = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xe9]), Buffer.from('"}\n{"id":"c2"}\n')]);
    const path = file('latin1.ndjson', latin1);
    expect(await readAll({ input: path })).toEqual([
      { line: 1, error: 'not valid UTF-8' },
      { line: 2, value: { id: 'c2' }, raw: '{"id":"c2"}' },
    ]);
  });

  it('reports a line over the cap without buffering it, and reads the next lines', async () => {
    const long = `{"notes":"${'x'.repeat(300_000)}"}`;
    const path = file('long.ndjson', `{"id":"c1"}\n${long}\n{"id":"c3"}\n${long}`);
    expect(await readAll({ input: path, maxRecordBytes: 100_000 })).toEqual([
      { line: 1, value: { id: 'c1' }, raw: '{"id":"c1"}' },
      { line: 2, error: 'line is longer than 100000 bytes; skipped' },
      { line: 3, value: { id: 'c3' }, raw: '{"id":"c3"}' },
      { line: 4, error: 'line is longer than 100000 bytes; skipped' },
    ]);
  });

  it('keeps a line exactly at the cap', async () => {
    const line = `{"n":"${'x'.repeat(1024 - 8)}"}`;
    expect(line).toHaveLength(1024);
    const path = file('cap.ndjson', `${line}\n`);
    expect(await readAll({ input: path, maxRecordBytes: 1024 })).toEqual([{ line: 1, value: JSON.parse(line), raw: line }]);
  });

  it('reads standard input for "-", as NDJSON by default, whatever the chunking', async () => {
    const bytes = Buffer.from('\uFEFF{"id":"é1"}\r\n{"id":"c2"}\n');
    // Split inside the BOM, inside a multi-byte character and between \r and \n.
    const stdin = stdinOf(bytes.subarray(0, 1), bytes.subarray(1, 12), bytes.subarray(12, 16), bytes.subarray(16));
    const source = await openSource({ input: '-', stdin });
    expect(source.format).toBe('ndjson');
    const records = [];
    for await (const record of source.records) records.push(record);
    expect(records).toEqual([
      { line: 1, value: { id: 'é1' }, raw: '{"id":"é1"}' },
      { line: 2, value: { id: 'c2' }, raw: '{"id":"c2"}' },
    ]);
  });

  it('yields nothing for an empty input', async () => {
    expect(await readAll({ input: file('empty.ndjson', '') })).toEqual([]);
    expect(await readAll({ input: '-', stdin: stdinOf('\uFEFF') })).toEqual([]);
  });
});
