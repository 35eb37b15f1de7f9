import { chmodSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CustomerSyncError } from '../../src/errors/customer-sync-error.js';
import { openSource, SourceError } from '../../src/sources/index.js';
import { PassThrough } from 'node:stream';
import { readAll, rejectionOf, stdinOf, tempDir } from './helpers.js';

const file = tempDir();

describe('openSource', () => {
  it('picks the format from the extension, whatever its case', async () => {
    const ndjson = '{"id":"c1","email":"a@example.com"}\n';
    const cases = [
      ['a.ndjson', ndjson, 'ndjson'],
      ['a.jsonl', ndjson, 'ndjson'],
      ['A.JSONL', ndjson, 'ndjson'],
      ['a.csv', 'id,email\nc1,a@example.com\n', 'csv'],
      ['a.json', '[{"id":"c1","email":"a@example.com"}]', 'json'],
    ] as const;
    for (const [name, content, format] of cases) {
      const source = await openSource({ input: file(name, content) });
      expect(source.format).toBe(format);
      const records = [];
      for await (const record of source.records) records.push(record.value);
      expect(records).toEqual([{ id: 'c1', email: 'a@example.com' }]);
      await source.close();
    }
  });

  it('lets --format override the extension', async () => {
    const path = file('export.txt', 'id,email\nc1,a@example.com\n');
    expect(await readAll({ input: path, format: 'csv' })).toEqual([
      { line: 2, value: { id: 'c1', email: 'a@example.com' } },
    ]);
  });

  it('defaults standard input to NDJSON', async () => {
    const source = await openSource({ input: '-', stdin: stdinOf('{"id":"c1"}\n') });
    expect(source.format).toBe('ndjson');
    await source.close();
  });

  it('throws a SourceError for an extension it does not know', async () => {
    const path = file('export.txt', 'x');
    const error = await rejectionOf(openSource({ input: path }));
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toBeInstanceOf(CustomerSyncError);
    expect(error.message).toBe(
      `cannot tell the format of "${path}" from its extension (known: .ndjson, .jsonl, .csv, .json); ` +
        'name it with --format ndjson|csv|json',
    );
  });

  it('throws a SourceError for an unknown --format', async () => {
    const error = await rejectionOf(openSource({ input: '-', format: 'xml' as 'csv', stdin: stdinOf('') }));
    expect(error).toEqual(new SourceError('-', 'unknown input format "xml" (known: ndjson, csv, json)'));
  });

  it('throws a SourceError naming a missing file, a directory or an unreadable file', async () => {
    const missing = file('missing.ndjson');
    const error = await rejectionOf(openSource({ input: missing }));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toBe(`cannot read input file "${missing}": no such file`);
    expect((error as SourceError).input).toBe(missing);
    expect((error as SourceError).toJSON()).toMatchObject({ name: 'SourceError', kind: 'invalid', input: missing });

    const dir = file('folder.csv');
    mkdirSync(dir);
    const directory = await rejectionOf(openSource({ input: dir }));
    expect(directory.message).toBe(`cannot read input file "${dir}": it is a directory`);

    if (process.getuid?.() !== 0) {
      const locked = file('locked.ndjson', '{}\n');
      chmodSync(locked, 0o000);
      const locking = await rejectionOf(openSource({ input: locked }));
      expect(locking.message).toBe(`cannot read input file "${locked}": permission denied`);
    }
  });

  it('throws a SourceError from the iteration when reading fails midway', async () => {
    const stdin = new PassThrough();
    stdin.write('{"id":"c1"}\n{"id":"c2"');
    const source = await openSource({ input: '-', stdin });
    const records = source.records[Symbol.asyncIterator]();
    expect((await records.next()).value).toEqual({ line: 1, value: { id: 'c1' }, raw: '{"id":"c1"}' });
    const next = records.next();
    stdin.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
    const error = await rejectionOf(next);
    expect(error).toBeInstanceOf(SourceError);
    expect(error.message).toBe('cannot read standard input: EIO');
    await source.close();
  });
});
