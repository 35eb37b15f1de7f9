import { describe, expect, it } from 'vitest';
import { openSource, SourceError } from '../../src/sources/index.js';
import { isOpen, readAll, rejectionOf, stdinOf, tempDir } from './helpers.js';

const file = tempDir();

describe('JSON array source', () => {
  it('yields each element with its 1-based index as line', async () => {
    const text = ['\uFEFF ', '[', '  {"id":"c1","address":{"city":"Lisbon"}},', '  {"id":"c2","tags":[1,[2]]},', '  42', ']'];
    const path = file('a.json', text.join('\n'));
    expect(await readAll({ input: path })).toEqual([
      { line: 1, value: { id: 'c1', address: { city: 'Lisbon' } } },
      { line: 2, value: { id: 'c2', tags: [1, [2]] } },
      { line: 3, value: 42 },
    ]);
  });

  it('yields nothing for an empty array', async () => {
    expect(await readAll({ input: file('empty-array.json', ' [ ] ') })).toEqual([]);
  });

  it('stops before any record when the top-level value is not an array', async () => {
    for (const [content, kind] of [
      ['{"id":"c1"}', 'an object'],
      ['"text"', 'a string'],
      ['12', 'a number'],
      ['null', 'null'],
      ['true', 'a boolean'],
      ['id,email', 'not JSON'],
    ] as const) {
      const path = file('object.json', `\n  ${content}`);
      const error = await rejectionOf(openSource({ input: path }));
      expect(error).toBeInstanceOf(SourceError);
      expect(error.message).toBe(`"${path}": a JSON input must be an array of customers, not ${kind}`);
      expect(await isOpen(path)).toBe(false);
    }
    const empty = file('empty.json', ' \n ');
    expect((await rejectionOf(openSource({ input: empty }))).message).toBe(
      `"${empty}": the JSON input is empty (expected an array of customers)`,
    );
  });

  it('on a syntax error yields the elements before it, one error record at the broken element, then stops', async () => {
    const path = file('broken.json', '[{"id":"c1"},{"id":"secret" "x":1},{"id":"c3"}]');
    const records = await readAll({ input: path });
    expect(records).toEqual([
      { line: 1, value: { id: 'c1' } },
      { line: 2, error: 'not valid JSON; the rest of the input was not read' },
    ]);
    expect(JSON.stringify(records)).not.toContain('secret');
  });

  it('reports an input cut short', async () => {
    expect(await readAll({ input: file('cut.json', '[{"id":"c1"},{"id":"c2"') })).toEqual([
      { line: 1, value: { id: 'c1' } },
      { line: 2, error: 'the input ends before the JSON array is closed' },
    ]);
    expect(await readAll({ input: file('cut2.json', '[{"id":"c1"},') })).toEqual([
      { line: 1, value: { id: 'c1' } },
      { line: 2, error: 'the input ends before the JSON array is closed' },
    ]);
  });

  it('reports data after the array, in the same chunk or a later one', async () => {
    expect(await readAll({ input: file('after.json', '[{"id":"c1"}] [2]') })).toEqual([
      { line: 1, value: { id: 'c1' } },
      { line: 2, error: 'unexpected data after the end of the JSON array' },
    ]);
    expect(await readAll({ input: '-', format: 'json', stdin: stdinOf('[{"id":"c1"}]', '\n \n', ' x') })).toEqual([
      { line: 1, value: { id: 'c1' } },
      { line: 2, error: 'unexpected data after the end of the JSON array' },
    ]);
  });

  it('reads elements split over many chunks from standard input', async () => {
    const text = '[{"id":"é1"},{"id":"c2","n":1.5}]';
    const bytes = Buffer.from(text);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(await readAll({ input: '-', format: 'json', stdin: stdinOf(...chunks) })).toEqual([
      { line: 1, value: { id: 'é1' } },
      { line: 2, value: { id: 'c2', n: 1.5 } },
    ]);
  });

  it('stops at an element over the cap instead of buffering it', async () => {
    const big = `{"notes":"${'x'.repeat(300_000)}"}`;
    const path = file('big.json', `[{"id":"c1"},${big},{"id":"c3"}]`);
    expect(await readAll({ input: path, maxRecordBytes: 100_000 })).toEqual([
      { line: 1, value: { id: 'c1' } },
      { line: 2, error: 'a JSON array element larger than 100000 bytes; reading stopped' },
    ]);
  });
});
